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
class ScannerConfig:
    """[scanner]: the document scanner (SANE), the watched folder of network scanners, OCR."""

    device: str = "test"  # SANE device name (`scanimage -L`); "test" is SANE's test device
    devices: tuple[str, ...] = ()  # the office's scanners to choose from (device names)
    resolution: int = 300
    mode: str = "Color"  # Color | Gray | Lineart
    source: str = "Flatbed"  # Flatbed | Automatic Document Feeder
    format: str = "jpeg"  # jpeg | png (what scanimage writes; JPEGs go into the PDF unchanged)
    options: str = ""  # more scanimage options for this device, e.g. "--page-height 297"
    watch_dir: str = ""  # where network scanners drop files (relative to the data directory)
    ocr: bool = False  # tesseract `vie` text for search only; off by default
    ocr_lang: str = "vie"


@dataclass(frozen=True)
class Settings:
    data_dir: Path
    printer: PrinterConfig = field(default_factory=PrinterConfig)
    qr_serial_port: str = ""  # a QR scanner in serial (COM) mode; empty = keyboard mode
    qr_serial_baudrate: int = 9600
    scanner: ScannerConfig = field(default_factory=ScannerConfig)
    idle_lock_minutes: float = 10.0  # [app] idle_lock_minutes: lock the station after this long unused; 0 = never


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
                    qr_serial_baudrate=int(scanner.get("qr_serial_baudrate", 9600)),
                    scanner=_scanner_config(scanner, data_dir), idle_lock_minutes=_idle_minutes(doc.get("app", {})))


def _idle_minutes(doc: dict[str, Any]) -> float:
    """[app] idle_lock_minutes (or COUNTER_IDLE_LOCK_MINUTES): minutes without a key or the mouse before the
    station locks itself (the form on screen is kept for the same user); 0 turns the idle lock off."""
    raw = os.environ.get("COUNTER_IDLE_LOCK_MINUTES", doc.get("idle_lock_minutes", 10))
    try:
        minutes = float(raw)
    except (TypeError, ValueError):
        minutes = -1.0
    if isinstance(raw, bool) or not 0 <= minutes <= 24 * 60:
        raise CounterError(f"Cấu hình [app] idle_lock_minutes không hợp lệ: “{raw}” (số phút từ 0 đến 1440; 0 là "
                           "không tự khóa)")
    return minutes


def _scanner_config(doc: dict[str, Any], data_dir: Path) -> ScannerConfig:
    """[scanner] keys, each overridable by COUNTER_SCANNER_<KEY>; watch_dir is relative to the data dir."""
    values: dict[str, Any] = {}
    for f in fields(ScannerConfig):
        like = getattr(ScannerConfig(), f.name)
        env = os.environ.get(f"COUNTER_SCANNER_{f.name.upper()}")
        raw = env if env is not None else doc.get(f.name)
        if raw is None:
            continue
        if isinstance(like, tuple):
            values[f.name] = tuple(raw) if isinstance(raw, list) else tuple(x.strip() for x in str(raw).split(",") if x.strip())
        elif (isinstance(raw, type(like)) and not isinstance(raw, bool)) or (isinstance(like, bool) and isinstance(raw, bool)):
            values[f.name] = raw
        else:
            try:
                values[f.name] = _coerce(str(raw), like)
            except ValueError:
                raise CounterError(f"Cấu hình [scanner] {f.name} không hợp lệ: “{raw}”") from None
    if values.get("watch_dir"):
        values["watch_dir"] = str((data_dir / values["watch_dir"]).resolve())
    return ScannerConfig(**values)
