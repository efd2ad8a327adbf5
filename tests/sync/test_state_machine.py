"""The hypothesis state machine over the sync (issue 14): stations, the central server and faults; the machine
itself is tests/helpers/sync_machine.py (the regression tests it found reuse its parts)."""

from __future__ import annotations

import os

import pytest
from hypothesis import settings

from tests.helpers.sync_machine import SETTINGS, SyncMachine

TestSyncMachine = SyncMachine.TestCase
TestSyncMachine.settings = settings(max_examples=25, stateful_step_count=30, **SETTINGS)


class LongSyncMachine(SyncMachine):
    pass


TestLongSyncMachine = pytest.mark.skipif(os.environ.get("COUNTER_MACHINE_LONG") != "1",
                                         reason="long run: COUNTER_MACHINE_LONG=1")(LongSyncMachine.TestCase)
TestLongSyncMachine.settings = settings(max_examples=200, stateful_step_count=60, **SETTINGS)
