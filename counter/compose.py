"""The composition root: the app, the CLI and the server build what they use here, once, from the Settings.

    services = compose.station(data_dir)            # counter run, counter sync, the other station commands
    services.store, services.blobs, services.sync, services.printer, services.settings
    application = compose.server(settings)          # counter serve and uvicorn's worker factory

Screens never build any of this: they get it from the app (`app.services`) and call it in workers.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from counter.settings import Settings

if TYPE_CHECKING:
    from collections.abc import Iterator

    from fastapi import FastAPI

    from counter.printing.targets import PrinterConfig
    from counter.services.blobs import BlobStore
    from counter.services.signing import Signing
    from counter.services.store import Store
    from counter.services.sync_runner import SyncRunner


@dataclass
class Services:
    """What one station process uses, built once."""

    settings: Settings
    store: Store
    blobs: BlobStore
    sync: SyncRunner
    signing: Signing | None = None  # the official's key (issue 20): built by `station`, the PIN kept in memory

    @property
    def printer(self) -> PrinterConfig:
        """Where and how forms print ([printer]); each job reads the data dir's file again (services/printing)."""
        return self.settings.printer

    def serial_qr_port(self) -> str:
        """The QR reader in serial (COM) mode the config names ([scanner] qr_serial_port; read again: a reader
        plugged in later applies to the next screen), or ""."""
        return self.reload().scanner.qr_serial_port

    def serial_qr_codes(self, stop: Any) -> Iterator[str]:
        """Each code the serial QR reader sends, until `stop.is_set()`."""
        from counter.scanning.qr_serial import read_codes

        cfg = self.settings.scanner
        return read_codes(cfg.qr_serial_port, cfg.qr_serial_baudrate, stop)

    def reload(self) -> Settings:
        """The settings again (a changed config.toml applies to the next print, scan or screen)."""
        self.settings = Settings.load(self.store.data_dir)
        return self.settings


def station(data_dir: Path | None = None, *, store: Store | None = None, settings: Settings | None = None,
            open_store: Any = None, default_interval: float | None = None, **flags: Any) -> Services:
    """The station's services. `store`: one already open (tests); `open_store(data_dir)`: how the CLI opens it
    (with its Vietnamese refusals); `default_interval`: the sync runner's when [sync] sets none; `flags`: the
    CLI's, e.g. sync={"interval": 5}."""
    from counter.services.blobs import FolderBlobStore, blob_store
    from counter.services.store import Store
    from counter.services.sync_runner import SyncRunner

    if store is None:
        store = open_store(data_dir) if open_store is not None else Store.open(data_dir or Settings().data_dir)
    settings = settings or Settings.load(store.data_dir, **flags)
    if store.blobs is None:
        store.blobs = FolderBlobStore(store.blob_dir)
    from counter.services.signing import Signing

    services = Services(settings=settings, store=store, blobs=blob_store(store),
                        sync=SyncRunner(store, interval=settings.sync.interval or default_interval))
    services.signing = Signing(lambda: services.reload().signing, store.clock.now)
    return services


def server(settings: Settings | None = None) -> FastAPI:
    """The central server's app from [server] (db, track_rate, track_burst, track_cache)."""
    from counter.central.app import app_from_settings

    return app_from_settings(settings)
