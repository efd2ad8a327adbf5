"""Where print jobs go: a file (the default, also where hardware is absent), CUPS (`lp`), or an ESC/POS printer
on USB, the network or a serial port (python-escpos)."""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path

from counter.domain.errors import CounterError
from counter.fsutil import write_atomic

FORMATS = ("pdf-a5", "pdf-a4", "escpos")
TARGETS = ("file", "cups", "usb", "network", "serial")


class PrintError(CounterError):
    pass


@dataclass(frozen=True)
class PrinterConfig:
    format: str = "pdf-a5"
    target: str = "file"
    out_dir: Path = Path("prints")
    cups_printer: str = ""  # empty: the CUPS default printer
    usb_vendor: int = 0
    usb_product: int = 0
    host: str = ""
    port: int = 9100
    serial_port: str = "/dev/ttyUSB0"
    baudrate: int = 9600
    escpos_profile: str = "TM-T20II"

    def __post_init__(self) -> None:
        if self.format not in FORMATS:
            raise PrintError(f"Khổ in không hỗ trợ: “{self.format}” (chọn {', '.join(FORMATS)})")
        if self.target not in TARGETS:
            raise PrintError(f"Nơi in không hỗ trợ: “{self.target}” (chọn {', '.join(TARGETS)})")
        if self.format != "escpos" and self.target in ("usb", "network", "serial"):
            raise PrintError("Máy in USB/mạng/cổng COM chỉ nhận lệnh ESC/POS: đặt format = \"escpos\"")


def write_file(data: bytes, path: Path) -> Path:
    """Write atomically: a crash leaves the old file or the new one, never half of one."""
    return write_atomic(data, path)


def deliver(data: bytes, cfg: PrinterConfig, name: str, out: Path | None = None) -> str:
    """Send one job; returns what the clerk should read ("Đã lưu tệp …" / "Đã gửi tới máy in …")."""
    suffix = ".pdf" if cfg.format.startswith("pdf") else ".escpos"
    try:
        if out is not None or cfg.target == "file":
            path = write_file(data, out or cfg.out_dir / f"{name}{suffix}")
            return str(path)
        if cfg.target == "cups":
            cmd = ["lp", "-t", name] + (["-d", cfg.cups_printer] if cfg.cups_printer else [])
            if cfg.format == "pdf-a5":
                cmd += ["-o", "media=A5"]
            result = subprocess.run(cmd, input=data, capture_output=True, timeout=30)
            if result.returncode != 0:
                raise PrintError(f"CUPS từ chối lệnh in: {result.stderr.decode(errors='replace').strip()}")
            return f"máy in CUPS {cfg.cups_printer or '(mặc định)'}"
        from escpos import printer

        if cfg.target == "network":
            dev = printer.Network(cfg.host, port=cfg.port, timeout=10)
        elif cfg.target == "usb":
            dev = printer.Usb(cfg.usb_vendor, cfg.usb_product)
        else:
            dev = printer.Serial(devfile=cfg.serial_port, baudrate=cfg.baudrate)
        dev.open()
        try:
            dev._raw(data)
        finally:
            dev.close()
        return f"máy in {cfg.target}"
    except PrintError:
        raise
    except FileNotFoundError as exc:
        raise PrintError(f"Không tìm thấy {exc.filename or 'thiết bị in'}: kiểm tra cấu hình máy in") from None
    except Exception as exc:  # device errors of every kind: the dossier is saved, the clerk can reprint
        raise PrintError(f"In không thành công ({type(exc).__name__}: {exc}). Hồ sơ đã được lưu; bấm In lại.") from None
