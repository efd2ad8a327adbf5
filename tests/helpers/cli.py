"""Running `counter` through Typer's CliRunner as a logged-in user."""

from __future__ import annotations

from typer.testing import CliRunner

from counter.cli import app
from tests.conftest import PASSWORD

runner = CliRunner()


def run(home, *args: str, user: str = "canbo"):  # type: ignore[no-untyped-def]
    """`counter ARGS` on the store at `home` as `user` (COUNTER_HOME, COUNTER_USER, COUNTER_PASSWORD)."""
    env = {"COUNTER_HOME": str(home), "COUNTER_USER": user, "COUNTER_PASSWORD": PASSWORD}
    return runner.invoke(app, list(args), env=env)


def first_received(search_output: str) -> str:
    """The code of the first dossier in `counter search`'s output that the counter has received (the demo's
    online dossiers, still "Mới đăng ký", come first and have no receipt)."""
    return next(line.split()[0] for line in search_output.splitlines() if line.strip() and "Mới đăng ký" not in line)
