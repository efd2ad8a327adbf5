"""The one Settings object (pydantic-settings) of the station, the CLI and the central server.

Sources, later wins:
  1. `config.toml` in the platform's config dir (platformdirs: ~/.config/counter/config.toml on Linux),
  2. `config.toml` in the data dir,
  3. `COUNTER_*` environment variables, nested with `__` (COUNTER_SCANNER__RESOLUTION=150,
     COUNTER_KEYMAP__HELP=f1, COUNTER_SERVER__DB=postgresql+psycopg://...); the older one-underscore names
     (COUNTER_SCANNER_RESOLUTION, COUNTER_PRINTER_FORMAT, COUNTER_IDLE_LOCK_MINUTES, COUNTER_QR_SERIAL_PORT,
     COUNTER_CENTRAL_DB, COUNTER_TRACK_RATE ...) still work,
  4. CLI flags (the keyword arguments of `Settings.load`, nested dicts per section).

Nothing is read at import time; call `Settings.load(data_dir)` (or `load_settings(data_dir)`).

    [app]
    idle_lock_minutes = 10
    theme = "textual-light"        # saved by the app when the theme is changed (Ctrl+P)
    [keymap]                       # binding id -> keys (Textual's App.set_keymap)
    help = "f1,ctrl+g"
    receive.save = "ctrl+s,f12"
    [printer] / [scanner] / [sync] / [server]: see the sections below
"""

from __future__ import annotations

import json
import math
import os
import re
import tomllib
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any, Literal

from platformdirs import user_config_dir, user_data_dir
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

from counter.domain.errors import CounterError, unreadable
from counter.printing.targets import PrinterConfig

CONFIG_FILE = "config.toml"
IDLE_LOCK_MINUTES = 10.0


@dataclass(frozen=True)
class ScannerConfig:
    """[scanner]: the document scanner (SANE), the watched folder of network scanners, OCR, the QR reader."""

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
    qr_serial_port: str = ""  # a QR scanner in serial (COM) mode; empty = keyboard mode
    qr_serial_baudrate: int = 9600


def platform_config_file() -> Path:
    """The user's (or the office image's) settings for every data dir on this machine."""
    return Path(user_config_dir("counter", appauthor=False)) / CONFIG_FILE


def default_data_dir() -> Path:
    return Path(os.environ.get("COUNTER_HOME") or user_data_dir("counter", appauthor=False))


class AppSection(BaseModel):
    """[app]: the station's screen."""

    model_config = ConfigDict(extra="ignore")

    idle_lock_minutes: float = IDLE_LOCK_MINUTES  # lock the station after this long unused; 0 = never
    theme: str = ""  # Textual theme name; "" = Textual's default
    # issue 15: F8 marks an online dossier waiting longer than this (working hours); the yearly target of the
    # online share that `counter report online` holds against is the 3.x one, [scorecard] online_target_percent
    online_limit_hours: float = Field(default=8.0, ge=0, le=10_000)
    # issue 21: after a login, the `counter` command's next commands skip the password this long (sudo's
    # timestamp; services/cli_session.py); 0 = ask every time
    cli_session_minutes: float = Field(default=15.0, ge=0, le=24 * 60)

    @field_validator("idle_lock_minutes", mode="before")
    @classmethod
    def _minutes(cls, raw: Any) -> float:
        try:
            minutes = float(raw)
        except (TypeError, ValueError):
            minutes = -1.0
        if isinstance(raw, bool) or math.isnan(minutes) or not 0 <= minutes <= 24 * 60:
            raise CounterError(f"Cấu hình [app] idle_lock_minutes không hợp lệ: “{raw}” (số phút từ 0 đến 1440; "
                               "0 là không tự khóa)")
        return minutes


class ScorecardSection(BaseModel):
    """[scorecard]: the office's own targets (issue 17: set by the province for each unit)."""

    model_config = ConfigDict(extra="ignore")

    online_target_percent: float = Field(default=30.0, ge=0, le=100)  # 3.x: share of online dossiers (communes 25–30%)


class SyncSection(BaseModel):
    """[sync]: the station's sync runner (the server's address and token are set by `counter sync setup`)."""

    model_config = ConfigDict(extra="ignore")

    interval: float | None = Field(default=None, gt=0)  # seconds between cycles; None: the runner's default


class ServerSection(BaseModel):
    """[server]: the central server (`counter serve`)."""

    model_config = ConfigDict(extra="ignore")

    db: str = ""  # postgresql+psycopg://...; "" = sqlite in the data dir (trying things only)
    host: str = "127.0.0.1"
    port: int = 8780
    track_rate: float = 2.0  # tracking look-ups per second per client (0 = no limit)
    track_burst: int = 20
    track_cache: float = 1.0  # seconds a tracking page is kept in memory (0 = not)
    workers: int = 1
    # issue 16: the national portal (Cổng DVCQG). The password only from COUNTER_SERVER__PORTAL_PASSWORD (never
    # a file, never the database): counter.central.portal_client.password()
    portal_adapter_url: str = ""  # e.g. https://adapter.dichvucong.gov.vn; "" = nothing is pushed
    portal_auth_endpoint: str = "/auth"
    portal_service_endpoint: str = "/service"
    portal_user: str = ""
    portal_agency: str = ""  # madonvi: the agency id the portal knows us by
    portal_file_url: str = ""  # the public address the portal fetches files under ({url}/portal/files/{sha256})
    portal_interval: float = Field(default=10.0, gt=0)  # seconds between rounds of the worker in `counter serve`
    portal_timeout: float = Field(default=30.0, gt=0)  # seconds to wait for one answer
    portal_batch: int = Field(default=20, ge=1, le=500)  # dossiers in one DongBoHoSoMC call
    portal_lease: float = Field(default=120.0, gt=0)  # seconds one server process pushes before another may
    # issue 15: online dossiers (central/online.py)
    portal_file_hosts: str = ""  # hosts (host or host:port, comma-separated) the portal's file URLs may point to
    max_file_mb: int = 10  # per uploaded file
    max_dossier_mb: int = 30  # all files of one dossier
    catalogue: str = ""  # the procedures /nop offers (CSV/JSON, docs/catalogue.md); "" = the shipped catalogue
    public_base_url: str = ""  # the address citizens reach (tracking links); "" = the request's own
    nop_rate: float = 0.5  # filings per second per client after a burst (0 = no limit)
    nop_burst: int = 10
    # issue 15: a /nop upload never confirmed (or a failed supplement) is deleted this long after it came, unless
    # a dossier names it (at least the 6 hours a filing's review stays valid); the server's worker checks hourly
    upload_lifetime_hours: float = Field(default=24.0, ge=6, le=24 * 365)
    # the citizen's voice (issue 19). Secrets (smtp_password, sms_secret) come from the environment:
    # COUNTER_SERVER__SMTP_PASSWORD, COUNTER_SERVER__SMS_SECRET
    public_url: str = ""  # the tracking pages' address in notices (https://motcua.tinh.gov.vn)
    complaint_days: int = Field(default=10, ge=1, le=90)  # working days to answer a complaint
    smtp_host: str = ""  # "" = no e-mail notices
    smtp_port: int = 587
    smtp_tls: Literal["starttls", "ssl", "none"] = "starttls"
    smtp_user: str = ""
    smtp_password: str = ""
    mail_from: str = ""
    sms_url: str = ""  # the SMS gateway's HTTP address; "" = no SMS notices
    sms_account: str = ""
    sms_secret: str = ""
    sms_template: str = ""  # the gateway's JSON body with $account $secret $to $text ("" = a plain one)
    sms_ascii: bool = True  # SMS without diacritics
    pool_size: int = 10  # database connections per process (and as many again in bursts)
    # the blob store: "" (the database's table), file:///folder or s3://bucket[/prefix] (the endpoint and keys
    # from COUNTER_S3_ENDPOINT, COUNTER_S3_ACCESS_KEY, COUNTER_S3_SECRET_KEY: never in a file)
    blob_url: str = ""
    # proxies whose X-Forwarded-For names the client (e.g. "127.0.0.1" behind deploy/nginx.conf); "" = none
    forwarded_allow_ips: str = ""
    json_logs: bool = False  # access and error logs as JSON lines on stderr (a container's log driver)

    def environment(self) -> dict[str, str]:
        """These settings as COUNTER_SERVER__* variables: what the worker processes of `counter serve
        --workers N` read back through `Settings.load` (uvicorn starts them from an import string)."""
        return {f"COUNTER_SERVER__{name.upper()}": str(value) for name, value in self.model_dump().items()}


class FeesSection(BaseModel):
    """[fees] (issue 18): who collects, the office's bank account for VietQR transfers, the receipt's symbols.

        [fees]
        unit_name = "UBND xã Phục Linh"      # the collecting unit printed on receipts ("" = the office's name)
        tax_code = "4600123456"
        bank_bin = "970415"                  # the bank's 6-digit NAPAS BIN (VietinBank 970415, BIDV 970418 ...)
        bank_name = "VietinBank"
        account = "113000123456"
        account_name = "UBND XA PHUC LINH"
        receipt_form = "01BLP0-001"          # ký hiệu mẫu biên lai
        receipt_series = "AA-{yy}P"          # ký hiệu biên lai ({yy}: the year's last two digits)
    """

    model_config = ConfigDict(extra="ignore")

    unit_name: str = ""
    tax_code: str = ""
    bank_bin: str = ""
    bank_name: str = ""
    account: str = ""
    account_name: str = ""
    receipt_form: str = "01BLP0-001"
    receipt_series: str = "AA-{yy}P"
class SigningSection(BaseModel):
    """[signing]: the official's digital signature (PAdES, pyHanko). The key is a PKCS#12 file (`pkcs12`) or a
    PKCS#11 token (`pkcs11_lib` + `token_label`, the USB tokens the certificate authorities issue). The PIN or
    the file's password is asked in the app and never stored. `timestamp_url`: an RFC 3161 server (optional).
    `trust_roots`: PEM/DER files of the root certificates `counter verify` and the server's page trust."""

    model_config = ConfigDict(extra="ignore")

    pkcs12: str = ""  # path of the .p12/.pfx file (relative: to the data dir)
    pkcs11_lib: str = ""  # e.g. /usr/lib/softhsm/libsofthsm2.so, the vendor's libxxx.so
    token_label: str = ""  # the token's label ("" = the first token present)
    key_label: str = ""  # the key's (and its certificate's) label on the token ("" = the only one)
    timestamp_url: str = ""  # RFC 3161 time-stamp server ("" = none)
    trust_roots: list[str] = Field(default_factory=list)
    location: str = ""  # printed in the signature ("" = the office's name)

    @property
    def kind(self) -> str:
        """"pkcs11", "pkcs12" or "" (no key configured)."""
        return "pkcs11" if self.pkcs11_lib else "pkcs12" if self.pkcs12 else ""


#: the names of the first version (one underscore), each -> (section, key)
_LEGACY_ENV: dict[str, tuple[str, str]] = {
    **{f"COUNTER_PRINTER_{f.name.upper()}": ("printer", f.name) for f in fields(PrinterConfig)},
    **{f"COUNTER_SCANNER_{f.name.upper()}": ("scanner", f.name) for f in fields(ScannerConfig)},
    "COUNTER_QR_SERIAL_PORT": ("scanner", "qr_serial_port"),
    "COUNTER_IDLE_LOCK_MINUTES": ("app", "idle_lock_minutes"),
    "COUNTER_CENTRAL_DB": ("server", "db"),
    "COUNTER_TRACK_RATE": ("server", "track_rate"),
    "COUNTER_TRACK_BURST": ("server", "track_burst"),
    "COUNTER_TRACK_CACHE": ("server", "track_cache"),
}


class _LegacyEnv(PydanticBaseSettingsSource):
    def get_field_value(self, field: Any, field_name: str) -> tuple[Any, str, bool]:  # pragma: no cover
        return None, field_name, False

    def __call__(self) -> dict[str, Any]:
        found: dict[str, Any] = {}
        for name, (section, key) in _LEGACY_ENV.items():
            if name in os.environ:
                found.setdefault(section, {})[key] = os.environ[name]
        return found


class _TomlFile(TomlConfigSettingsSource):
    """A config.toml; a broken one is a clear Vietnamese error naming the file."""

    def _read_file(self, file_path: Any) -> dict[str, Any]:
        try:
            return super()._read_file(file_path)
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise CounterError(f"Tệp cấu hình {file_path} không hợp lệ: {exc}") from None
        except OSError as exc:
            raise CounterError(unreadable(exc, file_path, "tệp cấu hình")) from None


def _keys(value: Any, prefix: str = "") -> dict[str, str]:
    """[keymap] as binding id -> "key,key": TOML's dotted keys (receive.save = ...) nest, lists join."""
    out: dict[str, str] = {}
    for name, keys in (value or {}).items():
        name = f"{prefix}{name}"
        if isinstance(keys, dict):
            out.update(_keys(keys, name + "."))
        elif isinstance(keys, (list, tuple)):
            out[name] = ",".join(str(k).strip() for k in keys)
        else:
            out[name] = ",".join(k.strip() for k in str(keys).split(","))
    return out


def _int(value: Any) -> Any:
    """USB ids are written in hex (0x04b8) in env variables and quoted TOML strings."""
    if isinstance(value, str) and re.fullmatch(r"\s*[-+]?(0[xXoObB])?[0-9a-fA-F_]+\s*", value):
        try:
            return int(value.strip(), 0)
        except ValueError:
            return value
    return value


def _flag(value: Any) -> Any:
    if isinstance(value, str):
        return value.strip().lower() in ("1", "true", "yes", "có", "on")
    return value


def _section_values(cls: type, raw: Any) -> Any:
    """Strings from env variables for a dataclass section: ints in any base, yes/có flags, lists by commas."""
    if not isinstance(raw, dict):
        return raw
    like = {f.name: getattr(cls(), f.name) for f in fields(cls)}
    out = dict(raw)
    for key, value in raw.items():
        if key not in like:
            continue
        default = like[key]
        if isinstance(default, bool):
            out[key] = _flag(value)
        elif isinstance(default, int):
            out[key] = _int(value)
        elif isinstance(default, tuple) and isinstance(value, str):
            out[key] = tuple(x.strip() for x in value.split(",") if x.strip())
        elif isinstance(default, str) and isinstance(value, (int, float)) and not isinstance(value, bool):
            out[key] = str(value)
    return out


class Settings(BaseSettings):
    """Everything configurable, from every source, merged section by section (see the module's text)."""

    model_config = SettingsConfigDict(env_prefix="COUNTER_", env_nested_delimiter="__", extra="ignore",
                                      nested_model_default_partial_update=True)

    data_dir: Path = Field(default_factory=default_data_dir)
    app: AppSection = Field(default_factory=AppSection)
    printer: PrinterConfig = Field(default_factory=PrinterConfig)
    scanner: ScannerConfig = Field(default_factory=ScannerConfig)
    sync: SyncSection = Field(default_factory=SyncSection)
    server: ServerSection = Field(default_factory=ServerSection)
    scorecard: ScorecardSection = Field(default_factory=ScorecardSection)
    fees: FeesSection = Field(default_factory=FeesSection)
    signing: SigningSection = Field(default_factory=SigningSection)
    keymap: dict[str, str] = Field(default_factory=dict)

    @classmethod
    def settings_customise_sources(cls, settings_cls: type[BaseSettings], init_settings: PydanticBaseSettingsSource,
                                   env_settings: PydanticBaseSettingsSource, dotenv_settings: PydanticBaseSettingsSource,
                                   file_secret_settings: PydanticBaseSettingsSource) -> tuple[PydanticBaseSettingsSource, ...]:
        data_dir = Path(getattr(init_settings, "init_kwargs", {}).get("data_dir") or default_data_dir())
        return (init_settings,  # CLI flags (and the data dir)
                env_settings,  # COUNTER_SECTION__KEY
                _LegacyEnv(settings_cls),  # COUNTER_SECTION_KEY of the first version
                _TomlFile(settings_cls, data_dir / CONFIG_FILE),
                _TomlFile(settings_cls, platform_config_file()))

    @classmethod
    def load(cls, data_dir: Path | None = None, **flags: Any) -> Settings:
        """The settings of `data_dir` (default: COUNTER_HOME, else the platform's data dir); `flags` are the CLI's
        (e.g. sync={"interval": 5}); a bad value is a CounterError naming the section and key."""
        flags = {section: {k: v for k, v in values.items() if v is not None} if isinstance(values, dict) else values
                 for section, values in flags.items() if values is not None}
        if data_dir is not None:
            flags["data_dir"] = data_dir
        try:
            return cls(**flags)
        except ValidationError as exc:
            raise _explained(exc) from None

    @classmethod
    def defaults(cls, data_dir: Path) -> Settings:
        """Every key at its default, no file or variable read (the app's fallback after a bad config.toml)."""
        return cls.model_construct(data_dir=data_dir, printer=PrinterConfig(out_dir=(data_dir / "prints").resolve()))

    @field_validator("keymap", mode="before")
    @classmethod
    def _keymap(cls, value: Any) -> dict[str, str]:
        return _keys(value)

    @field_validator("printer", mode="before")
    @classmethod
    def _printer(cls, value: Any) -> Any:
        return _section_values(PrinterConfig, value)

    @field_validator("scanner", mode="before")
    @classmethod
    def _scanner(cls, value: Any) -> Any:
        return _section_values(ScannerConfig, value)

    @model_validator(mode="after")
    def _relative_to_data_dir(self) -> Settings:
        """Paths in the config are relative to the data dir: prints/ by default, the scanners' watched folder."""
        self.printer = replace(self.printer, out_dir=(self.data_dir / self.printer.out_dir).resolve())
        if self.scanner.watch_dir:
            self.scanner = replace(self.scanner, watch_dir=str((self.data_dir / self.scanner.watch_dir).resolve()))
        sg = self.signing
        self.signing = sg.model_copy(update={
            "pkcs12": str((self.data_dir / sg.pkcs12).resolve()) if sg.pkcs12 else "",
            "trust_roots": [str((self.data_dir / r).resolve()) for r in sg.trust_roots]})
        return self

    # ---- names of the first version ----
    @property
    def qr_serial_port(self) -> str:
        return self.scanner.qr_serial_port

    @property
    def qr_serial_baudrate(self) -> int:
        return self.scanner.qr_serial_baudrate

    @property
    def idle_lock_minutes(self) -> float:
        return self.app.idle_lock_minutes


def _explained(exc: ValidationError) -> CounterError:
    for error in exc.errors():
        inner = (error.get("ctx") or {}).get("error")
        if isinstance(inner, CounterError):
            return inner
    error = exc.errors()[0]
    loc = [str(part) for part in error["loc"]]
    where = f"[{loc[0]}] {'.'.join(loc[1:])}" if len(loc) > 1 else loc[0]
    raw = error.get("input")
    return CounterError(f"Cấu hình {where} không hợp lệ: “{raw}”")


def load_settings(data_dir: Path) -> Settings:
    return Settings.load(data_dir)


def save_app_key(data_dir: Path, key: str, value: str) -> None:
    """Write `key = "value"` into [app] of the data dir's config.toml, keeping everything else as it is (the
    app saves the chosen theme here)."""
    from counter.fsutil import write_atomic

    path = data_dir / CONFIG_FILE
    text = path.read_text("utf-8") if path.exists() else ""
    line = f"{key} = {json.dumps(value, ensure_ascii=False)}"
    lines = text.splitlines()
    section = None
    header_at = None
    for i, current in enumerate(lines):
        stripped = current.strip()
        if stripped.startswith("["):
            section = stripped.strip("[] ").strip()
            if section == "app":
                header_at = i
            continue
        if section == "app" and re.match(rf"{re.escape(key)}\s*=", stripped):
            lines[i] = line
            break
    else:
        if header_at is None:
            lines += ([""] if lines and lines[-1].strip() else []) + ["[app]", line]
        else:
            lines.insert(header_at + 1, line)
    write_atomic(("\n".join(lines) + "\n").encode("utf-8"), path)
