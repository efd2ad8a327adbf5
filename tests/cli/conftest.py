"""CLI fixtures: a real store with one received dossier."""

from __future__ import annotations

import pytest

from tests.conftest import actor_for, make_store, receive


@pytest.fixture
def home(tmp_path):
    """(the data folder, the code of one dossier received there with a CCCD number)."""
    store = make_store(tmp_path / "data")
    code = receive(store, actor_for(store, "canbo"), id_number="001090123456")
    store.close()
    return tmp_path / "data", code
