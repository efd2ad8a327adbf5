"""Packaging: `counter --version`, the lock file covers pyproject's dependencies, and a station installed without
the server extra still runs its CLI (and says how to get `counter serve`)."""

from __future__ import annotations

import pytest
import re
import subprocess
import sys
import tomllib
from importlib.metadata import version
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from typer.testing import CliRunner

from counter.cli import app

ROOT = Path(__file__).resolve().parents[2]


def test_version_option_prints_the_installed_version():
    result = CliRunner().invoke(app, ["--version"])
    assert result.exit_code == 0
    assert result.output.strip() == f"counter {version('counter')}"


def test_lock_pins_every_dependency_within_its_range():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    wanted = [Requirement(r) for r in project["dependencies"]]
    for extra in ("server", "test"):
        wanted += [Requirement(r) for r in project["optional-dependencies"][extra]]
    pinned = {canonicalize_name(m[1]): m[2] for m in
              re.finditer(r"^([A-Za-z0-9._-]+)==(\S+)", (ROOT / "requirements/lock.txt").read_text(), re.M)}
    missing, outside = [], []
    for req in wanted:
        name = canonicalize_name(req.name)
        if name == "counter":  # counter[server] inside the test extra
            continue
        if name not in pinned:
            missing.append(req.name)
        elif not req.specifier.contains(pinned[name], prereleases=True):
            outside.append(f"{req.name}{req.specifier} locked at {pinned[name]}")
        missing += [f"{req.name}[{extra}]" for extra in req.extras
                    if canonicalize_name(f"{req.name}-{extra}") not in pinned]
    assert (missing, outside) == ([], []), "run `make lock` after changing dependencies in pyproject.toml"


BLOCK_SERVER = """
import sys
from importlib.abc import MetaPathFinder

class NoServer(MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in {"fastapi", "uvicorn", "psycopg", "starlette"}:
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
        return None

sys.meta_path.insert(0, NoServer())
import counter.cli
sys.argv = ["counter", "serve", "--data-dir", sys.argv[1]]
counter.cli.main()
"""


def test_the_cli_imports_without_the_server_extra_and_serve_says_what_to_install(tmp_path):
    proc = subprocess.run([sys.executable, "-c", BLOCK_SERVER, str(tmp_path)], capture_output=True, text=True,
                          cwd=ROOT, timeout=60, check=False)
    assert proc.returncode == 1, proc.stderr
    assert "Traceback" not in proc.stderr
    assert "chưa cài phần máy chủ trung tâm" in proc.stderr and "pip install 'counter[server]'" in proc.stderr


def test_shell_completion_is_offered_in_vietnamese():
    result = CliRunner().invoke(app, ["--help"], env={"COLUMNS": "160"})
    assert result.exit_code == 0
    assert "--install-completion" in result.output and "Cài tự hoàn thành lệnh" in result.output
    assert "--show-completion" in result.output and "In mã tự hoàn thành" in result.output
    assert "completion for the current shell" not in result.output


@pytest.mark.parametrize(("args", "shown"), [
    (["serve", "blobs", "migrate", "--help"], "mặc định: [server] blob_url"),
    (["serve", "online", "cleanup", "--help"], "(mặc định: [server] upload_lifetime_hours"),
])
def test_help_shows_the_config_sections_it_names(args, shown):
    """A help text naming a config section ("[server] blob_url") shows it as written: square brackets are not
    read as Rich markup (which dropped "[server]" and left "mặc định:  blob_url")."""
    result = CliRunner().invoke(app, args, env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    text = " ".join(result.output.replace("│", " ").split())
    assert shown in text, text
