"""The office's users from the central server (issue 14, item 3): fetched at the start of every sync cycle and
applied by services.auth.apply_server_users (the server's list wins once it has users for the office)."""

from __future__ import annotations

from counter.services.auth import UsersApplied, apply_server_users
from counter.services.store import Store
from counter.sync.client import SyncClient


def pull_users(store: Store, client: SyncClient) -> UsersApplied | None:
    """None when the server keeps no list (an older server). A list of another office than this station's
    (a token issued for the wrong office) is never applied: the push then fails on the office check."""
    found = client.users()
    if found is None:
        return None
    office_id, users = found
    return apply_server_users(store, users, office_id)
