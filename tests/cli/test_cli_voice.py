"""`counter report ratings` (issue 19): ratings per clerk and procedure; without a server, the counter's own."""

from __future__ import annotations

from typer.testing import CliRunner

from counter.cli import app
from counter.services import voice
from tests.helpers.central import returned
from tests.conftest import PASSWORD, actor_for, make_store, receive

runner = CliRunner()


def test_report_ratings_per_clerk_and_procedure_the_last_rating_counts(tmp_path):
    store = make_store(tmp_path / "data")
    clerk = actor_for(store, "canbo")
    a, b = receive(store, clerk), receive(store, clerk, name="Trần Thị Bình")
    for code in (a, b):
        returned(store, code)
    voice.rate_at_counter(store, clerk, a, "unsatisfied", "late")
    voice.rate_at_counter(store, clerk, a, "satisfied")  # changed: the last one counts
    voice.rate_at_counter(store, clerk, b, "very_satisfied", "helpful")
    store.close()
    args = ["report", "ratings", "--data-dir", str(tmp_path / "data"), "--user", "giamsat"]
    r = runner.invoke(app, args, env={"COUNTER_PASSWORD": PASSWORD})  # no server configured: the counter's own
    assert r.exit_code == 0, r.output
    line = next(x for x in r.output.splitlines() if x.startswith("canbo"))
    assert line.split() == ["canbo", "1.001193", "1", "1", "0", "100.0%"], r.output
    assert "Tổng: 2 đánh giá, hài lòng 100.0%" in r.output
    r = runner.invoke(app, [*args[:-1], "canbo"], env={"COUNTER_PASSWORD": PASSWORD})
    assert r.exit_code == 1 and "Traceback" not in r.output


def test_a_bad_rating_is_refused_in_vietnamese_and_nothing_is_written(tmp_path):
    store = make_store(tmp_path / "data")
    clerk = actor_for(store, "canbo")
    code = receive(store, clerk)
    import pytest

    from counter.domain.errors import CounterError

    with pytest.raises(CounterError, match="chọn một mức đánh giá"):
        voice.rate_at_counter(store, clerk, code, "great")
    with pytest.raises(CounterError):  # not returned yet: the reducer refuses
        voice.rate_at_counter(store, clerk, code, "satisfied")
    assert store.query("SELECT COUNT(*) AS n FROM dossier_events WHERE kind = 'rated'")[0]["n"] == 0
