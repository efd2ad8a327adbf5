"""The central server's own tables (SQLAlchemy Core). Never counter.models: the station's store is another world.

Every pushed event is stored once (accepted or rejected) with its outcome, so a replayed push gets the same
answer. Accepted events carry a gapless per-office `office_seq` and the office's own hash chain.
"""

from __future__ import annotations

import sqlalchemy as sa

metadata = sa.MetaData()

#: key/value settings of the server: "epoch" (changes when the database is restored or re-created)
meta = sa.Table(
    "central_meta", metadata,
    sa.Column("key", sa.String(64), primary_key=True),
    sa.Column("value", sa.Text, nullable=False),
)

#: one row per office; its row is locked (SELECT ... FOR UPDATE) by every accepting transaction
offices = sa.Table(
    "central_offices", metadata,
    sa.Column("id", sa.String(40), primary_key=True),
    sa.Column("name", sa.Text, nullable=False, server_default=""),
    sa.Column("phone", sa.Text, nullable=False, server_default=""),
    sa.Column("address", sa.Text, nullable=False, server_default=""),
    sa.Column("parent_name", sa.Text, nullable=False, server_default=""),  # Mẫu 01's first header line
    sa.Column("place_name", sa.Text, nullable=False, server_default=""),  # "Phục Linh, ngày … tháng … năm …"
    sa.Column("last_seq", sa.BigInteger, nullable=False, server_default="0"),
    sa.Column("last_hash", sa.String(64), nullable=False, server_default="0" * 64),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=True),
)

#: per-station bearer tokens, stored as SHA-256 of the token; the station's UUID is bound on first push
tokens = sa.Table(
    "central_tokens", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
    sa.Column("office_id", sa.String(40), sa.ForeignKey("central_offices.id"), nullable=False, index=True),
    sa.Column("station_number", sa.Integer, nullable=False),
    sa.Column("station_id", sa.String(36), nullable=True),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
    # issue 15 (c004_online): the national portal's credential of an office (POST /api/v1/portal/dossiers),
    # never a station's: station_number 0, never bound to a station
    sa.Column("portal", sa.Boolean, nullable=False, server_default=sa.false()),
)

#: the last station_seq the server has settled (accepted or rejected) for each station
stations = sa.Table(
    "central_stations", metadata,
    sa.Column("id", sa.String(36), primary_key=True),
    sa.Column("office_id", sa.String(40), sa.ForeignKey("central_offices.id"), nullable=False, index=True),
    sa.Column("last_seq", sa.BigInteger, nullable=False, server_default="0"),
    sa.Column("last_hash", sa.String(64), nullable=False, server_default="0" * 64),
)

events = sa.Table(
    "central_events", metadata,
    sa.Column("id", sa.String(36), primary_key=True),
    sa.Column("office_id", sa.String(40), nullable=False),
    sa.Column("station_id", sa.String(36), nullable=False),
    sa.Column("station_seq", sa.BigInteger, nullable=False),
    sa.Column("dossier_id", sa.String(36), nullable=False, index=True),
    sa.Column("kind", sa.String(32), nullable=False),
    sa.Column("status", sa.String(10), nullable=False),  # accepted | rejected
    sa.Column("reason", sa.Text, nullable=True),
    sa.Column("office_seq", sa.BigInteger, nullable=True),  # accepted events only
    sa.Column("office_prev_hash", sa.String(64), nullable=True),
    sa.Column("office_hash", sa.String(64), nullable=True),
    # accepted events: the last non-commutative event this one stands on (itself when non-commutative)
    sa.Column("base", sa.String(36), nullable=True),
    sa.Column("content", sa.String(64), nullable=False),  # sha256 of the canonical event (without "actor")
    sa.Column("wire", sa.Text, nullable=False),  # the wire event as received, canonical JSON
    sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
    sa.UniqueConstraint("station_id", "station_seq", name="uq_central_events_station_seq"),
    sa.UniqueConstraint("office_id", "office_seq", name="uq_central_events_office_seq"),
)

#: per-dossier projection, kept in the accepting transaction: the reducer's state and the public page's data
dossiers = sa.Table(
    "central_dossiers", metadata,
    sa.Column("id", sa.String(36), primary_key=True),
    sa.Column("office_id", sa.String(40), nullable=False, index=True),
    sa.Column("token", sa.String(40), nullable=False, unique=True),
    sa.Column("code", sa.String(64), nullable=False),
    # the last accepted non-commutative event: a change is accepted when the event it stands on is this one
    sa.Column("head", sa.String(36), nullable=False),
    sa.Column("state", sa.Text, nullable=False),  # DossierState as JSON
    sa.Column("public", sa.Text, nullable=False),  # what /t/{token} shows, as JSON (no ID number, address, phone)
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    # one dossier per code in an office (migration c002): the accepting transaction checks it first, so a
    # clash is a clean rejection; the index is the last line of defence
    sa.Index("uq_central_dossiers_office_code", "office_id", "code", unique=True),
)

blobs = sa.Table(
    "central_blobs", metadata,
    sa.Column("sha256", sa.String(64), primary_key=True),
    sa.Column("mime", sa.String(100), nullable=False, server_default="application/octet-stream"),
    sa.Column("size", sa.BigInteger, nullable=False),
    # the bytes when the blob store is the database (the first version's); NULL when they live in the blob
    # store of [server] blob_url (a folder, S3): the row is then the index the pushes check (migration c004)
    sa.Column("data", sa.LargeBinary, nullable=True),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
)

#: which office's accepted events name which blob: a station downloads only its office's files (c004)
blob_refs = sa.Table(
    "central_blob_refs", metadata,
    sa.Column("office_id", sa.String(40), primary_key=True),
    sa.Column("sha256", sa.String(64), primary_key=True),
)

#: uploads of /nop and the tracking page not yet named by an accepted event (c005, issue 15): the cleanup drops
#: those older than [server] upload_lifetime_hours that no event names (central/online.py cleanup_uploads)
upload_holds = sa.Table(
    "central_upload_holds", metadata,
    sa.Column("sha256", sa.String(64), primary_key=True),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, index=True),
)

#: the public pages' token buckets, shared by every server process (c004): key = "track:" + client address
rate_limits = sa.Table(
    "central_rate_limits", metadata,
    sa.Column("key", sa.String(80), primary_key=True),
    sa.Column("tokens", sa.Float, nullable=False),
    sa.Column("at", sa.Float, nullable=False),  # seconds since the epoch (the database's clock)
)

#: the office's users (issue 14): the server's list wins. Stations receive it by sync (with the password hashes,
#: so login works offline) and the server judges every pushed event by its actor's row here, never by the role
#: the station sent. A user is known by (office_id, username): a station's events carry its own local user id
#: (actor_id, per station) and the user name in their "actor".
users = sa.Table(
    "central_users", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("office_id", sa.String(40), sa.ForeignKey("central_offices.id"), nullable=False, index=True),
    sa.Column("username", sa.String(64), nullable=False),
    sa.Column("full_name", sa.Text, nullable=False),
    sa.Column("role", sa.String(16), nullable=False),
    sa.Column("password_hash", sa.Text, nullable=False),
    sa.Column("locked", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    sa.UniqueConstraint("office_id", "username", name="uq_central_users_office_username"),
)

#: issue 16: what the server owes the national portal, in order per dossier (id order), each item sent until the
#: portal confirms it and never again after ("dossier": DongBoHoSoMC, "step": CapNhatTienDoHoSoMC). `in_doubt`:
#: an attempt was (maybe) sent and no answer came: the next attempt first looks the dossier up (TraCuuHoSo).
portal_outbox = sa.Table(
    "central_portal_outbox", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("office_id", sa.String(40), nullable=False),
    sa.Column("dossier_id", sa.String(36), nullable=False),
    sa.Column("code", sa.String(64), nullable=False),
    sa.Column("kind", sa.String(8), nullable=False),  # dossier | step
    sa.Column("event_id", sa.String(36), nullable=False),
    sa.Column("is_updating", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("body", sa.Text, nullable=False),  # the object as JSON, fixed when queued (a retry sends the same)
    sa.Column("status", sa.String(10), nullable=False, server_default="pending"),  # pending | confirmed
    sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
    sa.Column("in_doubt", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("next_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("last_error", sa.Text, nullable=True),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("confirmed_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("confirmed_by", sa.String(8), nullable=True),  # answer | lookup
    sa.UniqueConstraint("event_id", "kind", name="uq_central_portal_outbox_event_kind"),
    sa.Index("ix_central_portal_outbox_status_dossier", "status", "dossier_id", "id"),
    sa.Index("ix_central_portal_outbox_office_status", "office_id", "status", "confirmed_at"),
)

#: per office: the last office_seq whose events are in the portal outbox
portal_cursor = sa.Table(
    "central_portal_cursor", metadata,
    sa.Column("office_id", sa.String(40), primary_key=True),
    sa.Column("last_seq", sa.BigInteger, nullable=False, server_default="0"),
)

#: the mapping tables (domain/portal_codes.py): kind, our code -> the portal's; edited by an admin
portal_codes = sa.Table(
    "central_portal_codes", metadata,
    sa.Column("kind", sa.String(16), primary_key=True),
    sa.Column("ours", sa.String(300), primary_key=True),
    sa.Column("theirs", sa.String(64), nullable=False),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
)


# --- the citizen's voice (issue 19): notices, ratings, complaints -------------------------------------------

#: one notice per (event, channel, recipient): made in the accepting transaction, sent after it by the
#: dispatcher (counter/central/notify.py), retried with backoff until sent
notices = sa.Table(
    "central_notices", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("office_id", sa.String(40), nullable=False),
    sa.Column("dossier_id", sa.String(36), nullable=False, index=True),
    sa.Column("event_id", sa.String(36), nullable=False),
    sa.Column("kind", sa.String(32), nullable=False),
    sa.Column("channel", sa.String(16), nullable=False),
    sa.Column("recipient", sa.String(254), nullable=False),
    sa.Column("subject", sa.Text, nullable=False, server_default=""),
    sa.Column("body", sa.Text, nullable=False),
    sa.Column("status", sa.String(10), nullable=False, server_default="pending"),  # pending | sent
    sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
    sa.Column("next_at", sa.DateTime(timezone=True), nullable=False, index=True),
    sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("last_error", sa.Text, nullable=True),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.UniqueConstraint("event_id", "channel", "recipient", name="uq_central_notices_event_recipient"),
)

#: every attempt to send a notice, shown in the dossier's history
notice_attempts = sa.Table(
    "central_notice_attempts", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("notice_id", sa.Integer, sa.ForeignKey("central_notices.id"), nullable=False, index=True),
    sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("ok", sa.Boolean, nullable=False),
    sa.Column("error", sa.Text, nullable=True),
)

#: ratings: one current row per (dossier, channel); a change keeps the earlier row with current = false
ratings = sa.Table(
    "central_ratings", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("office_id", sa.String(40), nullable=False, index=True),
    sa.Column("dossier_id", sa.String(36), nullable=False, index=True),
    sa.Column("channel", sa.String(16), nullable=False),  # counter | web
    sa.Column("value", sa.String(20), nullable=False),
    sa.Column("reason", sa.String(20), nullable=True),
    sa.Column("staff", sa.String(64), nullable=True),  # the user who returned the result
    sa.Column("procedure_code", sa.String(64), nullable=False, server_default=""),
    sa.Column("event_id", sa.String(36), nullable=True, unique=True),  # a counter rating's event
    sa.Column("current", sa.Boolean, nullable=False),
    sa.Column("at", sa.DateTime(timezone=True), nullable=False),
)

#: complaints and suggestions (phản ánh, kiến nghị) from the tracking page
complaints = sa.Table(
    "central_complaints", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("code", sa.String(64), nullable=False, unique=True),
    sa.Column("office_id", sa.String(40), nullable=False, index=True),
    sa.Column("dossier_id", sa.String(36), nullable=False, index=True),
    sa.Column("category", sa.String(16), nullable=False),
    sa.Column("about", sa.String(16), nullable=False),
    sa.Column("text", sa.Text, nullable=False),
    sa.Column("text_hash", sa.String(64), nullable=False),
    sa.Column("client", sa.String(64), nullable=False),  # SHA-256 of the client's address
    sa.Column("status", sa.String(10), nullable=False, server_default="open"),
    sa.Column("owner", sa.String(64), nullable=True),
    sa.Column("deadline_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("answer", sa.Text, nullable=True),
    sa.Column("answered_by", sa.String(64), nullable=True),
    sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("handling_rating", sa.String(20), nullable=True),
    sa.Column("handling_rated_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.UniqueConstraint("dossier_id", "text_hash", name="uq_central_complaints_dossier_text"),
)
