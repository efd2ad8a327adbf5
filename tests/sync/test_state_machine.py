"""The hypothesis state machine over the sync (issue 14): stations, the central server and faults; the machine
itself is tests/helpers/sync_machine.py (the regression tests it found reuse its parts)."""

from __future__ import annotations

import os

import pytest
from hypothesis import settings

from tests.helpers.sync_machine import SETTINGS, SyncMachine

# about a minute (two on a loaded machine): `make test` runs it, `make check` does not; its own timeout, as
# the 25 examples are one pytest test
pytestmark = [pytest.mark.slow, pytest.mark.timeout(600)]

TestSyncMachine = SyncMachine.TestCase
# the same examples every run (CI must not turn red on a new random draw); the long run draws new ones
TestSyncMachine.settings = settings(max_examples=25, stateful_step_count=30, derandomize=True, **SETTINGS)


class LongSyncMachine(SyncMachine):
    MAX_SERVER_RESTORES = 10


TestLongSyncMachine = pytest.mark.skipif(os.environ.get("COUNTER_MACHINE_LONG") != "1",
                                         reason="long run: COUNTER_MACHINE_LONG=1")(LongSyncMachine.TestCase)
TestLongSyncMachine.settings = settings(max_examples=200, stateful_step_count=60, **SETTINGS)
