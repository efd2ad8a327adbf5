"""A QR/barcode reader in serial (COM) mode (pyserial).

Keyboard-mode readers type into the focused field and often lose Vietnamese letters; in serial mode the reader
sends the raw UTF-8 bytes of the code, ended by CR or LF, which keeps every mark. `read_codes` yields one
decoded code per scan until `stop` is set.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator

import serial

from counter.domain.errors import CounterError


class ScannerError(CounterError):
    pass


def read_codes(port: str, baudrate: int = 9600, stop: threading.Event | None = None) -> Iterator[str]:
    """Open the port (a device path or a pyserial URL) and yield each scanned code, NFC-normalized later."""
    stop = stop or threading.Event()
    try:
        dev = serial.serial_for_url(port, baudrate=baudrate, timeout=0.2)
    except (serial.SerialException, ValueError) as exc:
        raise ScannerError(f"Không mở được cổng máy quét QR “{port}”: {exc}") from None
    buffer = b""
    try:
        while not stop.is_set():
            try:
                chunk = dev.read(4096)
            except serial.SerialException as exc:
                raise ScannerError(f"Mất kết nối máy quét QR “{port}”: {exc}") from None
            if not chunk:
                continue
            buffer += chunk
            while True:
                cut = min((i for i in (buffer.find(b"\r"), buffer.find(b"\n")) if i >= 0), default=-1)
                if cut < 0:
                    break
                line, buffer = buffer[:cut], buffer[cut + 1:]
                if line.strip():
                    yield line.decode("utf-8", errors="replace").strip()
    finally:
        dev.close()
