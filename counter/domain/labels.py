"""Enums whose members each carry a Vietnamese label: the table is written once beside its enum, checked complete
when the module loads (a member added without a label stops the import, not a screen later), and read the one way,
`member.label`. Standard library only, so light modules (domain/status.py) can use it."""

from __future__ import annotations

from collections.abc import Mapping
from enum import Enum
from typing import Any, TypeVar

_TABLES: dict[type, Mapping[Any, str]] = {}
T = TypeVar("T", bound=Mapping[Any, str])


class Labelled:
    """Mix into an enum (`class Role(Labelled, StrEnum)`) whose labels `label_table` registers."""

    @property
    def label(self) -> str:
        return _TABLES[type(self)][self]


def label_table(enum: type[Enum], table: T) -> T:
    """Register `table` as the labels of `enum`'s members (every one of them) and give it back."""
    missing = [member.name for member in enum if member not in table]
    if missing:
        raise TypeError(f"{enum.__name__}: no label for {', '.join(missing)}")
    _TABLES[enum] = table
    return table
