"""A small client of Chromium's DevTools protocol (headless Debian `chromium`), for the public pages' tests.

Pages are driven without JavaScript (`no_js=True`: Emulation.setScriptExecutionDisabled): fields are filled by
setting their `value` attribute, files by DOM.setFileInputFiles, buttons and links clicked with real mouse
events at their place on the screen, the page read back with DOM.getOuterHTML. What a phone without scripts
does, it does.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import tempfile
import time
import urllib.request
from typing import Any


def chromium_path() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    return None


class Browser:
    def __init__(self, width: int = 390, height: int = 844, no_js: bool = True):
        import websocket  # websocket-client

        self.profile = tempfile.mkdtemp(prefix="counter-chromium-")
        self.proc = subprocess.Popen(
            [chromium_path() or "chromium", "--headless=new", "--no-sandbox", "--disable-gpu",
             "--remote-debugging-port=0", f"--user-data-dir={self.profile}", "--no-first-run",
             "--disable-dev-shm-usage", f"--window-size={width},{height}", "about:blank"],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        port = None
        deadline = time.monotonic() + 30
        while port is None and time.monotonic() < deadline:
            line = self.proc.stderr.readline() if self.proc.stderr else ""
            m = re.search(r"DevTools listening on ws://127\.0\.0\.1:(\d+)/", line)
            if m:
                port = int(m[1])
            elif not line and self.proc.poll() is not None:
                raise RuntimeError("chromium exited")
        if port is None:
            raise RuntimeError("chromium did not start")
        targets = json.loads(urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=10).read())
        page = next(t for t in targets if t["type"] == "page")
        self.ws = websocket.create_connection(page["webSocketDebuggerUrl"], timeout=30, suppress_origin=True)
        self.next_id = 0
        self.events: list[str] = []
        self.send("Page.enable")
        self.send("DOM.enable")
        self.send("Emulation.setDeviceMetricsOverride", width=width, height=height, deviceScaleFactor=1, mobile=True)
        if no_js:
            self.send("Emulation.setScriptExecutionDisabled", value=True)

    def send(self, method: str, **params: Any) -> dict[str, Any]:
        self.next_id += 1
        me = self.next_id
        self.ws.send(json.dumps({"id": me, "method": method, "params": params}))
        while True:
            msg = json.loads(self.ws.recv())
            if msg.get("id") == me:
                if "error" in msg:
                    raise RuntimeError(f"{method}: {msg['error']}")
                return msg.get("result", {})
            if "method" in msg:
                self.events.append(msg["method"])

    def wait_event(self, name: str, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while name not in self.events:
            if time.monotonic() > deadline:
                raise TimeoutError(f"no {name}")
            self.ws.settimeout(max(0.1, deadline - time.monotonic()))
            msg = json.loads(self.ws.recv())
            if "method" in msg:
                self.events.append(msg["method"])
        self.events.clear()

    def goto(self, url: str) -> None:
        self.events.clear()
        self.send("Page.navigate", url=url)
        self.wait_event("Page.loadEventFired")

    def url(self) -> str:
        return self.send("DOM.getDocument", depth=0)["root"].get("documentURL", "")

    def html(self) -> str:
        root = self.send("DOM.getDocument", depth=0)["root"]
        return self.send("DOM.getOuterHTML", nodeId=root["nodeId"])["outerHTML"]

    def node(self, selector: str) -> int:
        root = self.send("DOM.getDocument", depth=0)["root"]
        node = self.send("DOM.querySelector", nodeId=root["nodeId"], selector=selector)["nodeId"]
        if not node:
            raise LookupError(f"no element {selector}")
        return node

    def fill(self, selector: str, value: str) -> None:
        self.send("DOM.setAttributeValue", nodeId=self.node(selector), name="value", value=value)

    def files(self, selector: str, paths: list[str]) -> None:
        self.send("DOM.setFileInputFiles", nodeId=self.node(selector), files=[os.fspath(p) for p in paths])

    def click(self, selector: str) -> None:
        """A real mouse click in the middle of the element (scrolled into view first); waits for the next page."""
        node = self.node(selector)
        self.send("DOM.scrollIntoViewIfNeeded", nodeId=node)
        quad = self.send("DOM.getContentQuads", nodeId=node)["quads"][0]
        x = sum(quad[0::2]) / 4
        y = sum(quad[1::2]) / 4
        self.events.clear()
        for kind in ("mousePressed", "mouseReleased"):
            self.send("Input.dispatchMouseEvent", type=kind, x=x, y=y, button="left", clickCount=1)
        self.wait_event("Page.loadEventFired")

    def content_width(self) -> float:
        return float(self.send("Page.getLayoutMetrics")["cssContentSize"]["width"])

    def close(self) -> None:
        try:
            self.ws.close()
        finally:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
            shutil.rmtree(self.profile, ignore_errors=True)
