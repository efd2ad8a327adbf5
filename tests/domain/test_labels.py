"""One way to label an enum's members: the table is checked complete when it is registered."""
from enum import StrEnum

import pytest

from counter.domain.labels import Labelled, label_table
from counter.domain.lifecycle import EVENT_LABELS, EventKind, Status
from counter.domain.permissions import ROLE_LABELS, Role
from counter.domain.progress import SUPPLEMENT_CLOCK_LABELS, SupplementClock
from counter.domain.status import STATUS_LABELS


@pytest.mark.parametrize(("enum", "table"), [(Role, ROLE_LABELS), (Status, STATUS_LABELS),
                                             (EventKind, EVENT_LABELS), (SupplementClock, SUPPLEMENT_CLOCK_LABELS)])
def test_every_member_reads_its_label_from_its_table(enum, table):
    assert [member.label for member in enum] == [table[member] for member in enum]
    assert all(member.label.strip() for member in enum)


def test_a_member_without_a_label_stops_the_import():
    class Colour(Labelled, StrEnum):
        RED = "red"
        BLUE = "blue"

    with pytest.raises(TypeError, match="Colour: no label for BLUE"):
        label_table(Colour, {Colour.RED: "đỏ"})
    assert label_table(Colour, {Colour.RED: "đỏ", Colour.BLUE: "xanh"})[Colour.BLUE] == Colour.BLUE.label == "xanh"
