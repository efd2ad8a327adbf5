"""SQLModel tables of the station's local store. Tables only: rules live in counter.domain."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.types import TypeDecorator
from sqlmodel import Field, SQLModel

from counter.domain.clock import parse_utc  # the models' one reading of a stored time




class UTCDateTime(TypeDecorator):
    """Aware UTC datetimes stored as sortable ISO text ("YYYY-MM-DD HH:MM:SS.ffffff", UTC)."""

    impl = sa.String(26)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> str | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime: every stored time must be aware")
        return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")

    def process_result_value(self, value: str | None, dialect: Any) -> datetime | None:
        return parse_utc(value)


def utc_col(*, nullable: bool = True, index: bool = False) -> Any:
    return Field(default=None, sa_column=sa.Column(UTCDateTime(), nullable=nullable, index=index))


class Office(SQLModel, table=True):
    __tablename__ = "offices"
    id: str = Field(primary_key=True, max_length=40)  # agency identifier, e.g. H55.242
    name: str  # e.g. "Bộ phận Một cửa UBND xã Phục Linh"
    parent_name: str = ""  # e.g. "UBND XÃ PHỤC LINH"
    level: str = "commune"  # commune | province
    province: str = ""
    place_name: str = ""  # địa danh for "…, ngày … tháng … năm …"
    address: str = ""
    phone: str = ""
    public_base_url: str = "http://127.0.0.1:8780"
    morning_start: str = "07:30"
    morning_end: str = "11:30"
    afternoon_start: str = "13:30"
    afternoon_end: str = "17:00"
    same_day_cutoff: str = "15:00"
    supplement_clock: str = "restart"  # issue 6: after a supplement the count restarts | pauses (domain.progress)
    single_station: bool = False  # issue 17: one station: codes 0001, 0002, … each day (codes.SINGLE_STATION)


class Station(SQLModel, table=True):
    __tablename__ = "stations"
    __table_args__ = (sa.UniqueConstraint("office_id", "number"),)
    id: str = Field(primary_key=True, max_length=36)  # uuid minted with the SQLite file
    office_id: str = Field(foreign_key="offices.id", index=True)
    number: int  # 1..9, picks the code block
    name: str = ""


class User(SQLModel, table=True):
    __tablename__ = "users"
    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(unique=True, max_length=64)
    full_name: str
    role: str  # domain.permissions.Role
    office_id: str = Field(foreign_key="offices.id", index=True)
    password_hash: str
    failed_attempts: int = 0
    locked_until: datetime | None = utc_col()
    disabled: bool = False
    created_at: datetime = utc_col(nullable=False)


class Procedure(SQLModel, table=True):
    __tablename__ = "procedures"
    code: str = Field(primary_key=True, max_length=64)
    name: str
    name_folded: str = Field(index=True)
    field: str
    level: str = "commune"
    working_days: int = 0  # 0 = same day (15:00 rule)
    fee: int = 0  # đồng
    fee_note: str = ""
    channels: str = "1"  # comma-separated channel codes allowed: 1 counter, 2 online, 3 post
    postal_allowed: bool = False
    in_person: bool = False  # the citizen must come in person
    certification: bool = False  # needs certification against originals
    active: bool = True
    online_level: str | None = Field(default=None, max_length=16)  # 0009: "toan_trinh" | "mot_phan" | None
    originals_at_return: bool = False  # 0009: một phần: originals shown when the result is collected
    verification_days: int = 0  # issue 17: working days the law adds when verification is needed
    on_the_spot: bool = False  # issue 17: result given on the spot ("trả ngay"): no Mẫu 01 unless asked
    charges: str = ""  # issue 18: JSON list of fees.Charge (fees.charges_from_json); "" = the flat `fee`


class PaperRow(SQLModel):
    """A paper in a list (the procedure's, a dossier's): its place, name and the copies of each kind."""

    position: int
    name: str
    originals: int = 0
    certified_copies: int = 0
    photocopies: int = 0


class ProcedurePaper(PaperRow, table=True):
    __tablename__ = "procedure_papers"
    id: int | None = Field(default=None, primary_key=True)
    procedure_code: str = Field(foreign_key="procedures.code", index=True)
    required: bool = True


class ProcedureStep(SQLModel, table=True):
    """issue 17: one step of a procedure's internal process (domain.law.Step; fixtures/procedure_steps.csv)."""

    __tablename__ = "procedure_steps"
    procedure_code: str = Field(foreign_key="procedures.code", primary_key=True, max_length=64)
    position: int = Field(primary_key=True)  # the step's number, 1, 2, …
    name: str
    unit: str
    working_days: int = 0
    decides: bool = False  # the unit named "Cơ quan (bộ phận) giải quyết hồ sơ" on Mẫu 06


class Dossier(SQLModel, table=True):
    """Projection of the dossier's events (domain.lifecycle.DossierState); never edited by hand."""

    __tablename__ = "dossiers"
    __table_args__ = (
        sa.Index("ix_dossiers_status_due", "status", "due_at"),
        sa.Index("ix_dossiers_assignee_status", "assignee_id", "status"),
        sa.Index("ix_dossiers_returned_at", "returned_at"),  # 0005: queue "returned today", per-clerk figures
        sa.Index("ix_dossiers_resolved_at", "resolved_at"),  # 0005: late and handling time by result date
        # 0010: F8's waiting list (issue 15), the online dossiers in status 1 in the list's order
        sa.Index("ix_dossiers_online_wait", "office_id", "awaiting_citizen", "updated_at", "seq",
                 sqlite_where=sa.text("status = 1")),
        # 0010: the queue's bucket counts, read from the index alone (open dossiers only)
        sa.Index("ix_dossiers_open_buckets", "status", "due_at", "channel", "handed_off_at", "received_at",
                 "awaiting_citizen", "assignee_id", "received_by", "station_id", "voided_at",
                 sqlite_where=sa.text("voided_at IS NULL AND status <> 10")),
    )
    seq: int | None = Field(default=None, primary_key=True)  # integer rowid (FTS5 content rowid)
    id: str = Field(max_length=36, unique=True)
    code: str = Field(max_length=64, unique=True)
    token: str = Field(max_length=40, unique=True)
    office_id: str = Field(foreign_key="offices.id", index=True)
    station_id: str = Field(max_length=36)
    procedure_code: str = Field(foreign_key="procedures.code", index=True)
    procedure_name: str
    field: str
    status: int = Field(index=True)
    channel: int = 1
    owner_kind: int = 1
    owner_name: str
    owner_id_number: str | None = Field(default=None, index=True)
    owner_birth_date: str | None = None
    owner_address: str | None = None
    owner_phone: str | None = Field(default=None, index=True)
    owner_email: str | None = None
    submitter_name: str | None = None
    submitter_id_number: str | None = None
    submitter_phone: str | None = None
    sets: int = 1
    book: str = ""
    book_no: str = ""
    working_days: int = 0
    received_at: datetime | None = utc_col(index=True)
    due_at: datetime | None = utc_col()
    original_due_at: datetime | None = utc_col()
    fee: int = 0
    fee_paid: bool = False
    return_method: str = "counter"
    return_address: str | None = None
    # user ids of the station that wrote the event (no foreign key: pulled events name other stations' users,
    # see sync_actors)
    received_by: int | None = None
    assignee_id: int | None = None
    resolved_at: datetime | None = utc_col()
    returned_at: datetime | None = utc_col()
    closed_reason: str | None = None
    extension_count: int = 0
    supplement_count: int = 0
    scanned_count: int = 0
    note: str | None = None
    search_text: str
    version: int
    last_event_id: str
    updated_at: datetime = utc_col(nullable=False)
    held_by: str | None = None  # issue 6: who holds the file after a hand-off (None: the desk)
    return_tracking: str | None = None  # issue 6: postal tracking number of a result sent by post
    delivered_at: datetime | None = utc_col()  # issue 6: the post delivered the result
    handed_off_at: datetime | None = utc_col()  # issue 12: first hand-off out of the desk
    voided_at: datetime | None = utc_col()  # issue 12: cancelled as received by mistake
    void_reason: str | None = None  # issue 12
    assisted: bool = False  # issue 15: filed online by a clerk helping the citizen
    awaiting_citizen: bool = False  # issue 15: asked for papers (online_incomplete) until files_added
    supplement_requests: int = 0  # issue 15: online_incomplete + supplement_requested
    legal_due_at: datetime | None = utc_col()  # issue 17: the lawful due date when Mẫu 04 moved due_at
    verification_days: int = 0  # issue 17: statutory verification time added
    outcome: str | None = None  # issue 17: "refused" (Mẫu 03 after appraisal is the result)
    paid_amount: int = 0  # issue 18: đồng paid (fee_paid), less nothing: refunds are apart
    refunded_amount: int = 0  # issue 18: đồng refunded (fee_refunded)
    results_issued: int = 0  # issue 20: electronic results attached (result_issued events)
    return_form: str | None = None  # issue 20: paper / electronic / both handed over at the return


class DossierDocument(PaperRow, table=True):
    __tablename__ = "dossier_documents"
    id: int | None = Field(default=None, primary_key=True)
    dossier_id: str = Field(foreign_key="dossiers.id", index=True)
    digitization: int = 0  # 0 chưa số hóa, 1 đã số hóa, 2/3 tái sử dụng
    blobs: str = "[]"  # JSON list of SHA-256 hex


class DossierEvent(SQLModel, table=True):
    """Append-only. Each station chains its own events (prev_hash -> hash)."""

    __tablename__ = "dossier_events"
    __table_args__ = (sa.UniqueConstraint("station_id", "station_seq"),
                      sa.Index("ix_dossier_events_kind_at", "kind", "at"))  # 0009: receipts of a day
    id: str = Field(primary_key=True, max_length=36)
    dossier_id: str = Field(foreign_key="dossiers.id", index=True)
    office_id: str = Field(max_length=40)
    station_id: str = Field(max_length=36)
    station_seq: int
    parent: str | None = None  # last event this station knew on this dossier
    kind: str = Field(max_length=32)
    actor_id: int | None = None  # the writing station's user id (sync_actors names other stations' users)
    at: datetime = utc_col(nullable=False)
    payload: str  # canonical JSON
    prev_hash: str
    hash: str = Field(unique=True)


class Outbox(SQLModel, table=True):
    __tablename__ = "outbox"
    event_id: str = Field(primary_key=True, foreign_key="dossier_events.id")
    station_seq: int = Field(index=True)
    created_at: datetime = utc_col(nullable=False)


class Blob(SQLModel, table=True):
    __tablename__ = "blobs"
    sha256: str = Field(primary_key=True, max_length=64)
    size: int
    mime: str
    pages: int = 0
    created_at: datetime = utc_col(nullable=False)


class BlobText(SQLModel, table=True):
    """OCR text of a stored file, folded (domain.text.fold): it only feeds search (issue 5)."""

    __tablename__ = "blob_texts"
    sha256: str = Field(primary_key=True, foreign_key="blobs.sha256", max_length=64)
    folded: str
    created_at: datetime = utc_col(nullable=False)


class CalendarOverride(SQLModel, table=True):
    __tablename__ = "calendar_overrides"
    office_id: str = Field(foreign_key="offices.id", primary_key=True)
    day: date = Field(primary_key=True)
    kind: str  # off | work
    note: str = ""


class CodeSequence(SQLModel, table=True):
    __tablename__ = "code_sequences"
    station_id: str = Field(primary_key=True, max_length=36)
    scope: str = Field(primary_key=True, max_length=16)  # dossier | book | event
    period: str = Field(primary_key=True, max_length=8)  # yyMMdd for codes, yyyy for the book, "" for events
    last: int = 0


class SyncState(SQLModel, table=True):
    """Key/value settings of this station's file: station_id, server url, cursor, last success/error."""

    __tablename__ = "sync_state"
    key: str = Field(primary_key=True, max_length=64)
    value: str


# ---- sync with the central system (issue 8) ---------------------------------------------------------------

class SyncEvent(SQLModel, table=True):
    """An event the central server holds (confirmed): its place in the office's order once a pull told it."""

    __tablename__ = "sync_events"
    event_id: str = Field(primary_key=True, max_length=36)
    office_seq: int | None = Field(default=None, index=True)


class SyncConflict(SQLModel, table=True):
    """An event of this station the server rejected: kept for ever and shown to the clerk."""

    __tablename__ = "sync_conflicts"
    event_id: str = Field(primary_key=True, max_length=36)
    dossier_id: str = Field(max_length=36, index=True)
    dossier_code: str = ""
    kind: str = Field(max_length=32)
    station_seq: int
    reason: str
    event_at: datetime = utc_col(nullable=False)
    rejected_at: datetime = utc_col(nullable=False)
    # issue 12: how the clerk settled it (NULL while open): "redone" (redo_event_id) or "dismissed" (a note)
    resolution: str | None = Field(default=None, max_length=16)
    resolved_at: datetime | None = utc_col()
    resolved_by: int | None = None
    resolved_by_name: str | None = None
    resolution_note: str | None = None
    redo_event_id: str | None = Field(default=None, max_length=36)


class SyncActor(SQLModel, table=True):
    """Who another station's user is: pulled events carry that station's own user ids (no local user row)."""

    __tablename__ = "sync_actors"
    station_id: str = Field(primary_key=True, max_length=36)
    actor_id: int = Field(primary_key=True)
    username: str
    full_name: str
    role: str
