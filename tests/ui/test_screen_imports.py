"""The screens' import contracts of pyproject.toml (import-linter): no adapter imported by a screen or a widget,
and the layers app/compose > screens > widgets > services > domain."""

from __future__ import annotations

from pathlib import Path

from importlinter import configuration
from importlinter.application.use_cases import lint_imports

ROOT = Path(__file__).resolve().parents[2]


def test_screens_import_no_adapter_and_the_layers_hold(capsys):
    configuration.configure()  # what the lint-imports command does first
    kept = lint_imports(config_filename=str(ROOT / "pyproject.toml"), limit_to_contracts=("screens-no-adapters", "layers"),
                        cache_dir=None, no_logo=True)
    out = capsys.readouterr().out
    assert "screens get their services from the app" in out and "layers:" in out  # both contracts ran
    assert kept, out
