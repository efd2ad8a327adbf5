"""The station migrations' vocabulary: the kinds of column the store's tables hold, each declared once, and the
batch alters that add or drop a table's columns.

The types are the ones the models map to (counter/models): a `str` field is sqlmodel's AutoString (VARCHAR, of a
length when the field has one), a UTC time is models.UTCDateTime's String(26), an `int` Integer, a `bool` Boolean.
Every factory makes a new Column (a Column belongs to one table). A column is required (NOT NULL) unless
`nullable=True`; `server_default` is written as given (a string is quoted, `sa.false()` is not).
"""
from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlmodel.sql.sqltypes import AutoString

UTC = sa.String(length=26)  # models.UTCDateTime


def text(name: str, length: int | None = None, *, nullable: bool = False, **kw: Any) -> sa.Column[Any]:
    return sa.Column(name, AutoString(length=length), nullable=nullable, **kw)


def texts(*names: str, nullable: bool = False) -> list[sa.Column[Any]]:
    return [text(name, nullable=nullable) for name in names]


def integer(name: str, *, nullable: bool = False, **kw: Any) -> sa.Column[Any]:
    return sa.Column(name, sa.Integer(), nullable=nullable, **kw)


def integers(*names: str, nullable: bool = False) -> list[sa.Column[Any]]:
    return [integer(name, nullable=nullable) for name in names]


def count(name: str) -> sa.Column[Any]:
    """A count added to rows that exist: 0 for them."""
    return integer(name, server_default="0")


def boolean(name: str, **kw: Any) -> sa.Column[Any]:
    return sa.Column(name, sa.Boolean(), nullable=False, **kw)


def booleans(*names: str) -> list[sa.Column[Any]]:
    return [boolean(name) for name in names]


def flag(name: str) -> sa.Column[Any]:
    """A yes/no added to rows that exist: false for them."""
    return boolean(name, server_default=sa.false())


def utc(name: str, *, nullable: bool = False) -> sa.Column[Any]:
    return sa.Column(name, UTC, nullable=nullable)


def utcs(*names: str, nullable: bool = False) -> list[sa.Column[Any]]:
    return [utc(name, nullable=nullable) for name in names]


def paper_columns() -> list[sa.Column[Any]]:
    """A paper of a list (a procedure's papers, a dossier's documents): its place, name and how many of each."""
    return [integer("position"), text("name"), *integers("originals", "certified_copies", "photocopies")]


def references(column: str, target: str) -> sa.ForeignKeyConstraint:
    """`column` points at `target` ("table.column")."""
    return sa.ForeignKeyConstraint([column], [target])


def create_indexes(table: str, *columns: str) -> None:
    """An index ix_<table>_<column> on each column."""
    for column in columns:
        op.create_index(f"ix_{table}_{column}", table, [column], unique=False)


def add_columns(table: str, *columns: sa.Column[Any]) -> None:
    with op.batch_alter_table(table) as batch:
        for column in columns:
            batch.add_column(column)


def drop_columns(table: str, *names: str) -> None:
    with op.batch_alter_table(table) as batch:
        for name in names:
            batch.drop_column(name)
