"""Settings: `config.toml` in the data directory, overridden by COUNTER_* environment variables.

Nothing is read at import time; call `load_settings(data_dir)`.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from counter.domain.errors import CounterError
from counter.printing.targets import PrinterConfig

CONFIG_FILE = "config.toml"


@dataclass(frozen=True)
class Settings:
    data_dir: Path
    printer: PrinterConfig = field(default_factory=PrinterConfig)
    qr_serial_port: str = ""  # a QR scanner in serial (COM) mode; empty = keyboard mode
    qr_serial_baudrate: int = 9600


def _coerce(value: str, like: Any) -> Any:
    if isinstance(like, bool):
        return value.lower() in ("1", "true", "yes", "có")
    if isinstance(like, int):
        return int(value, 0)
    if isinstance(like, Path):
        return Path(value)
    return value


def load_settings(data_dir: Path) -> Settings:
    path = data_dir / CONFIG_FILE
    doc: dict[str, Any] = {}
    if path.exists():
        try:
            doc = tomllib.loads(path.read_text("utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise CounterError(f"Tệp cấu hình {path} không hợp lệ: {exc}") from None
    printer_doc = dict(doc.get("printer", {}))
    defaults = PrinterConfig(out_dir=Path("prints"))
    values: dict[str, Any] = {}
    for f in fields(PrinterConfig):
        like = getattr(defaults, f.name)
        env = os.environ.get(f"COUNTER_PRINTER_{f.name.upper()}")
        if env is not None:
            values[f.name] = _coerce(env, like)
        elif f.name in printer_doc:
            raw = printer_doc[f.name]
            values[f.name] = _coerce(str(raw), like) if not isinstance(raw, type(like)) else raw
        else:
            values[f.name] = like
    values["out_dir"] = (data_dir / values["out_dir"]).resolve()  # relative to the data directory
    scanner = doc.get("scanner", {})
    return Settings(data_dir=data_dir, printer=PrinterConfig(**values),
                    qr_serial_port=os.environ.get("COUNTER_QR_SERIAL_PORT", scanner.get("qr_serial_port", "")),
                    qr_serial_baudrate=int(scanner.get("qr_serial_baudrate", 9600)))
