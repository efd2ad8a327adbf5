"""[app] idle_lock_minutes of config.toml (and COUNTER_IDLE_LOCK_MINUTES): the idle lock's timeout."""

from __future__ import annotations

import pytest

from counter.settings import load_settings
from counter.domain.errors import CounterError


def test_ten_minutes_by_default_from_the_file_or_the_environment(tmp_path, monkeypatch):
    monkeypatch.delenv("COUNTER_IDLE_LOCK_MINUTES", raising=False)
    assert load_settings(tmp_path).idle_lock_minutes == 10
    (tmp_path / "config.toml").write_text("[app]\nidle_lock_minutes = 2.5\n", "utf-8")
    assert load_settings(tmp_path).idle_lock_minutes == 2.5
    monkeypatch.setenv("COUNTER_IDLE_LOCK_MINUTES", "0")  # 0: never lock by itself
    assert load_settings(tmp_path).idle_lock_minutes == 0


@pytest.mark.parametrize("value", ["-1", '"mười"', "true", "1e9", "nan"])
def test_a_bad_value_is_explained_in_vietnamese(tmp_path, monkeypatch, value):
    monkeypatch.delenv("COUNTER_IDLE_LOCK_MINUTES", raising=False)
    (tmp_path / "config.toml").write_text(f"[app]\nidle_lock_minutes = {value}\n", "utf-8")
    with pytest.raises(CounterError, match="idle_lock_minutes không hợp lệ"):
        load_settings(tmp_path)
