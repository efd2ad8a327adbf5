"""The central migrations' vocabulary: the kinds of column the server's tables hold, each declared once.

A column is required (NOT NULL) unless made with `optional`. Every factory makes a new Column (a Column belongs to
one table). The types are those of counter/central/tables.py: an office's id is String(40), a station's, an
event's or a dossier's a uuid (String(36)), a hash a hex SHA-256 (String(64)), a time TIMESTAMP WITH TIME ZONE.
"""
from __future__ import annotations

from typing import Any

import sqlalchemy as sa

OFFICE = sa.String(40)
UUID = sa.String(36)
SHA256 = sa.String(64)
TZ = sa.DateTime(timezone=True)
ZERO_HASH = "0" * 64  # the hash before an office's or a station's first event


def required(name: str, type_: Any, *args: Any, **kw: Any) -> sa.Column[Any]:
    return sa.Column(name, type_, *args, nullable=False, **kw)


def optional(name: str, type_: Any) -> sa.Column[Any]:
    return sa.Column(name, type_, nullable=True)


def key(name: str, type_: Any) -> sa.Column[Any]:
    """A column of the primary key."""
    return sa.Column(name, type_, primary_key=True)


def serial_id() -> sa.Column[Any]:
    return sa.Column("id", sa.Integer, primary_key=True, autoincrement=True)


def office_id() -> sa.Column[Any]:
    """The office a row belongs to (a row of central_offices)."""
    return required("office_id", OFFICE, sa.ForeignKey("central_offices.id"))


def blank_text(name: str) -> sa.Column[Any]:
    """Text that is "" until it is known."""
    return required(name, sa.Text, server_default="")


def flag(name: str) -> sa.Column[Any]:
    """A yes/no, false unless set."""
    return required(name, sa.Boolean, server_default=sa.false())


def last_seq() -> sa.Column[Any]:
    """The sequence number of the last event taken in: 0 before the first."""
    return required("last_seq", sa.BigInteger, server_default="0")


def chain_head() -> list[sa.Column[Any]]:
    """Where an office's or a station's hash chain stands: its last event's sequence number and hash."""
    return [last_seq(), required("last_hash", SHA256, server_default=ZERO_HASH)]
