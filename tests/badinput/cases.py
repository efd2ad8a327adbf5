"""The bad-input corpus (issue 14): the CLI cases with the logins they use, and the HTTP cases. Kept out of the
test files so each test module imports them from here."""

from __future__ import annotations

from pathlib import Path
import json

CLERK, POSTAL, SUPERVISOR, ADMIN = ("canbo", "canbo123"), ("buudien", "buudien123"), ("giamsat", "giamsat123"), \
    ("quantri", "quantri123")
ESC_TITLE = "\x1b]0;ĐÃ BỊ CHIẾM\x07"

BAD_INTS = ["abc", "1.5", "", "-99999999999999999999", "99999999999999999999", "1e9", "nan", "inf", "0x10",
            "9" * 400, "1,5", "12 3"]
BAD_FLOATS = ["abc", "", "-1", "1e9", "inf", "-inf", "1e400", "0x10"]
BAD_DATES = ["0001-01-01", "9999-12-31", "31/02/2026", "2026-13-01", "hôm nay", "1/1/1", "99999-01-01",
             "2026-01-01T00:00", "00/00/0000", "2026-02-29", "-1", "1" * 50, ESC_TITLE]
BAD_TIMES = ["0001-01-01 00:00", "9999-12-31 23:59", "2026-02-30 10:00", "hôm qua", "2026-12-01 25:00",
             "2026-12-01", "", ESC_TITLE, "9" * 1000, "2026-12-01 09:00:00:00"]
LONG_TEXTS = [c * n for n in (201, 5000, 100_000) for c in ("a", "%", "_", "\"", "*", "(", "đ")]
BAD_URLS = ["", " ", "ftp://x", "http://", "http://:80", "http://x:0", "http://x:65536", "http://x:abc",
            "http://a b", "http://x\x1b[2J", "javascript:alert(1)", "http://u:p@x", "http://x/?q=1", "http://x#f",
            "x" * 3000, "http://[::1", "http://" + "a" * 2001, "//x", "http:/x", "127.0.0.1:8780", "http://x:-1",
            "http://x:99999999999999999999", ESC_TITLE, "https://\u202eevil", "http://x\ny"]
BAD_PUBLIC_URLS = ["", "x.gov.vn", "ftp://x", "http://", "https://x:99999", "https://x:abc", "https://a b",
                   "https://x/?q", "https://x#f", "javascript:alert(1)", "//x", ESC_TITLE, "http://[::1",
                   "https://x:-5", "mailto:a@b"]
BAD_TOKENS = ["", " ", "a b", "x" * 1000, ESC_TITLE, "mã-có-dấu"]

Case = tuple[str, list[str], "tuple[str, str] | None"]


def ints() -> list[Case]:
    options = [
        (["search", "x", "--page"], ["0", "-1", "100001"], CLERK),
        (["scan", "{CODE}", "--file", "{DIR}/ok.png", "--item"], ["0", "1000", "-5"], CLERK),
        (["scan", "{CODE}", "--item", "1", "--file", "{DIR}/ok.png", "--pages"], ["0", "1000"], CLERK),
        (["calendar", "due", "--received", "2026-12-01 09:00", "--days"], ["-1", "366"], None),
        (["serve", "--port"], ["0", "65536", "-1"], None),
        (["serve", "--workers"], ["0", "65"], None),
        (["serve", "--track-burst"], ["-1"], None),
        (["serve", "token", "add", "--office", "H55.242", "--station"], ["0", "10"], None),
        (["serve", "token", "revoke", "--id"], ["0"], None),
        (["demo", "--count"], ["-1", "1000001"], None),
    ]
    out: list[Case] = []
    for prefix, extra, login in options:
        for v in BAD_INTS + extra:
            out.append((f"int:{' '.join(prefix[:2])} {prefix[-1]}={v[:20]!r}", [*prefix, v], login))
    for prefix, extra in ((["sync", "--interval"], ["0", "0.01"]), (["serve", "--track-rate"], []),
                          (["serve", "--track-cache"], ["86401"])):
        for v in BAD_FLOATS + extra:
            out.append((f"float:{' '.join(prefix)}={v!r}", [*prefix, v], None))
    return out


def dates() -> list[Case]:
    out: list[Case] = []
    for kind in ("ledger", "scorecard", "queue"):
        for opt in ("--from", "--to"):
            for v in BAD_DATES:
                out.append((f"date:report {kind} {opt}={v[:20]!r}", ["report", kind, opt, v], SUPERVISOR))
    for opt in ("--from", "--to"):
        for v in BAD_DATES:
            other = "--to" if opt == "--from" else "--from"
            out.append((f"date:export portal {opt}={v[:20]!r}", ["export", "portal", opt, v, other, "2026-12-01"],
                        SUPERVISOR))
    for v in BAD_DATES:
        out.append((f"date:override add {v[:20]!r}", ["calendar", "override", "add", v, "--off"], ADMIN))
    for v in BAD_TIMES:
        out.append((f"date:calendar due {v[:20]!r}", ["calendar", "due", "--received", v, "--days", "3"], None))
    out.append(("date:report ledger reversed", ["report", "ledger", "--from", "2026-12-01", "--to", "2026-11-01"],
                SUPERVISOR))
    out.append(("date:export reversed", ["export", "portal", "--from", "2026-12-01", "--to", "2026-11-01"],
                SUPERVISOR))
    return out


def texts() -> list[Case]:
    out: list[Case] = []
    for t in LONG_TEXTS:
        out.append((f"text:search {t[0]}x{len(t)}", ["search", t], CLERK))
        out.append((f"text:catalogue list {t[0]}x{len(t)}", ["catalogue", "list", t], None))
    for code in ("", "H55.242-991231-9999", ESC_TITLE, "x" * 100_000, "' OR 1=1 --", "%"):
        out.append((f"text:show {code[:20]!r}", ["show", code], CLERK))
    for text in ("", "x", "|" * 6, ESC_TITLE, "0" * 10_000, "001090123456|Nguyen|01011990", "\u202e" * 3,
                 "001090123456||Nguyễn Văn An|32131990|Nam|Thôn 2|15042021",
                 "001090123456||Nguyễn Văn An|01011990|Nam|Thôn 2|99999999", "||||||"):
        out.append((f"text:cccd parse {text[:20]!r}", ["cccd", "parse", text], None))
    return out


def urls() -> list[Case]:
    out: list[Case] = []
    for u in BAD_URLS:
        out.append((f"url:sync setup {u[:30]!r}", ["sync", "setup", "--url", u, "--token", "abcdef"], ADMIN))
    for t in BAD_TOKENS:
        out.append((f"url:sync setup token {t[:20]!r}", ["sync", "setup", "--url", "http://127.0.0.1:9", "--token",
                                                          t], ADMIN))
    for u in BAD_PUBLIC_URLS:
        out.append((f"url:office set {u[:30]!r}", ["office", "set", "--public-url", u], ADMIN))
    for db in ("foo://bar", "postgresql://u@h:99999/x", ":::", "sqlite://", "postgresql://u@h:abc/x", " ",
               "mysql://u@h/x", ESC_TITLE, "x" * 3000):
        out.append((f"url:serve --db {db[:30]!r}", ["serve", "--db", db], None))
        out.append((f"url:serve token list --db {db[:30]!r}", ["serve", "token", "list", "--db", db], None))
    return out


PROTECTED = [
    ["users", "add", "hoa", "--name", "Nguyễn Thị Hoa", "--role", "clerk", "--password", "hoa12345"],
    ["users", "passwd", "canbo", "--password", "moi12345678"],
    ["users", "lock", "canbo"],
    ["catalogue", "import", "{DIR}/good.csv"],
    ["calendar", "override", "add", "2026-12-24", "--off"],
    ["calendar", "supplement-rule", "pause"],
    ["sync", "setup", "--url", "http://127.0.0.1:9", "--token", "abcdef"],
    ["office", "set", "--public-url", "https://motcua.example.vn"],
    ["search", "nguyen"],
    ["show", "{CODE}"],
    ["export", "portal", "--from", "2026-01-01", "--to", "2026-12-31"],
    ["print", "receipt", "{CODE}", "--out", "{DIR}/r.pdf"],
    ["print", "form", "06", "{CODE}", "--out", "{DIR}/f.pdf"],
    ["event", "{CODE}", "note_added", "--text", "x"],
    ["correct", "{CODE}", "--phone", "0912345678", "--reason", "x"],
    ["void", "{CODE}", "--reason", "x"],
    ["report", "ledger"],
    ["scan", "{CODE}", "--item", "1", "--file", "{DIR}/ok.png"],
    ["blobs", "open", "0" * 64],
]
WRONG_ROLE = [
    (["users", "add", "hoa", "--name", "Nguyễn Thị Hoa", "--role", "admin", "--password", "hoa12345"], CLERK),
    (["users", "lock", "quantri"], SUPERVISOR),
    (["users", "passwd", "quantri", "--password", "moi12345678"], POSTAL),
    (["catalogue", "import", "{DIR}/good.csv"], SUPERVISOR),
    (["calendar", "override", "add", "2026-12-24", "--off"], CLERK),
    (["sync", "setup", "--url", "http://127.0.0.1:9", "--token", "abcdef"], SUPERVISOR),
    (["office", "set", "--public-url", "https://motcua.example.vn"], CLERK),
    (["export", "portal", "--from", "2026-01-01", "--to", "2026-12-31"], CLERK),
    (["report", "ledger"], POSTAL),
    (["scan", "{CODE}", "--item", "1", "--file", "{DIR}/ok.png"], ADMIN),
]


def logins() -> list[Case]:
    out: list[Case] = []
    for args in PROTECTED:
        out.append((f"login:none {' '.join(args[:2])}", args, None))
        out.append((f"login:argv password {' '.join(args[:2])}", [*args, "--user", "quantri", "--password",
                                                                    "quantri123"], None)
                   if "--password" not in args else (f"login:unknown user {' '.join(args[:2])}",
                                                      [*args, "--user", ""], None))
    for args, login in WRONG_ROLE:
        out.append((f"login:role {login[0]} {' '.join(args[:2])}", args, login))
    return out


def writes() -> list[Case]:
    out: list[Case] = []
    for kind, opt, values, login in (
            ("fee_requested", "--amount", ["999999999999999999999999", "1e5", "-1", "abc", "١٢٣", "1.000.000.000.000.001",
                                           "0x10"], CLERK),
            ("extended", "--days", ["1.5", "99999", "0", "-1", "1,5", "٣", "1e2"], SUPERVISOR)):
        for v in values:
            out.append((f"write:event {kind} {opt}={v!r}", ["event", "{CODE}", kind, opt, v, "--reason", "x"], login))
    for args in (["users", "add", "Hoa Nguyễn", "--name", "Hoa", "--role", "clerk", "--password", "hoa12345"],
                 ["users", "add", "x" * 65, "--name", "Hoa", "--role", "clerk", "--password", "hoa12345"],
                 ["users", "add", "hoa", "--name", "Hoa", "--role", "boss", "--password", "hoa12345"],
                 ["users", "add", "hoa", "--name", ESC_TITLE, "--role", "clerk", "--password", "hoa12345"],
                 ["users", "add", "hoa", "--name", "Hoa", "--role", "clerk", "--password", "123"],
                 ["users", "add", "canbo", "--name", "Hoa", "--role", "clerk", "--password", "hoa12345"],
                 ["users", "passwd", "khongco", "--password", "hoa12345"],
                 ["users", "lock", "khongco"]):
        out.append((f"write:{' '.join(args[:3])[:40]!r}", args, ADMIN))
    for name in ("deep.json", "deep-objects.json", "bad.json", "utf16.csv", "binary.csv", "rows.csv", "empty.csv",
                 "huge-days.csv", "nested-procs.json", "notalist.json", "x.txt", "missing.csv", "zero.json"):
        out.append((f"write:catalogue import {name}", ["catalogue", "import", f"{{DIR}}/{name}"], ADMIN))
    for name in ("/dev/zero", "/dev/null", "{DIR}", "{DIR}/missing.png", "{DIR}/fifo.png", "{DIR}/empty.png",
                 "{DIR}/text.png", "{DIR}/cut.jpg", "{DIR}/fake.pdf", "{DIR}/tiny.png"):
        out.append((f"write:scan --file {Path(name).name}", ["scan", "{CODE}", "--item", "1", "--file", name], CLERK))
    for args in (["print", "form", "99", "{CODE}", "--out", "{DIR}/x.pdf"],
                 ["print", "receipt", "{CODE}", "--format", "docx", "--out", "{DIR}/x.pdf"],
                 ["print", "receipt", "H55.242-991231-9999", "--out", "{DIR}/x.pdf"],
                 ["print", "receipt", "{CODE}", "--out", "/proc/nope/x.pdf"],
                 ["blobs", "open", "z" * 64], ["blobs", "open", "0" * 64],
                 ["event", "{CODE}", "khong_co_loai"], ["event", "{CODE}", "note_added"],
                 ["event", "H55.242-991231-9999", "note_added", "--text", "x"],
                 ["correct", "{CODE}", "--reason", "x"], ["void", "{CODE}"]):
        out.append((f"write:{' '.join(args[:3])[:40]!r}", args, CLERK))
    out.append(("write:init over a store", ["init", "--office-id", "H55.242", "--office-name", "X", "--password",
                                            "matkhau123"], None))
    out.append(("write:demo over a store", ["demo", "--count", "1"], None))
    out.append(("write:init bad office", ["init", "--office-id", "'; DROP", "--office-name", "X", "--password",
                                          "matkhau123"], None))
    out.append(("write:init bad url", ["init", "--office-id", "H55.242", "--office-name", "X", "--password",
                                       "matkhau123", "--public-url", "ftp://x"], None))
    out.append(("write:init short password", ["init", "--office-id", "H55.242", "--office-name", "X",
                                              "--password", "ngan"], None))
    return out


def _unique(cases: list[Case]) -> list[Case]:
    seen: dict[str, int] = {}
    out = []
    for name, args, login in cases:
        seen[name] = seen.get(name, 0) + 1
        out.append((name if seen[name] == 1 else f"{name} #{seen[name]}", args, login))
    return out


CASES = _unique(ints() + dates() + texts() + urls() + logins() + writes())


TOKEN = "{TOKEN}"
EPOCH = "{EPOCH}"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
SHA = "a" * 64


def _deep(opening: str, closing: str, n: int) -> bytes:
    return (opening * n + closing * n).encode()


def http_cases() -> list[tuple[str, str, str, dict[str, str], bytes | None]]:
    out: list[tuple[str, str, str, dict[str, str], bytes | None]] = []
    bodies: list[tuple[str, bytes]] = [
        *((f"deep [ x{n}", _deep("[", "]", n)) for n in (65, 1000, 5000, 100_000)),
        *((f"deep {{ x{n}", ('{"a":' * n + "1" + "}" * n).encode()) for n in (65, 1000, 100_000)),
        ("deep in events", b'{"station_id": "s", "events": ' + _deep("[", "]", 100_000) + b"}"),
        ("deep unbalanced", b"[" * 100_000),
        ("empty", b""), ("space", b"   "), ("brace", b"{"), ("bad utf-8", b"\xff\xfe\x00"),
        ("utf-16", json.dumps({"events": []}).encode("utf-16")), ("nul", b"\x00"), ("null", b"null"),
        ("number", b"1"), ("string", b'"x"'), ("list", b"[]"), ("true", b"true"), ("nan", b"NaN"),
        ("huge number", b"9" * 5000), ("1e999", b'{"events": 1e999}'), ("trailing", b'{"events": []} x'),
        ("events string", b'{"station_id": "s", "events": "x"}'), ("events dict", b'{"station_id": "s", "events": {}}'),
        ("no station", b'{"events": []}'), ("station number", b'{"station_id": 5, "events": []}'),
        ("station list", b'{"station_id": [], "events": []}'), ("events null", b'{"station_id": "s", "events": null}'),
        ("duplicate keys", b'{"station_id": "s", "station_id": 1, "events": []}'),
        ("escapes", b'{"station_id": "\\ud800", "events": 1}'), ("long string", b'"' + b"x" * 100_000),
        ("comment", b"// x\n{}"), ("single quotes", b"{'events': []}"),
    ]
    for name, body in bodies:
        out.append((f"POST events {name}", "POST", "/api/v1/events", AUTH, body))
    for name, body in [*bodies[:12], ("hashes string", b'{"hashes": "x"}'), ("hashes numbers", b'{"hashes": [1, 2]}'),
                                      ("hashes many", json.dumps({"hashes": [SHA] * 10_001}).encode()),
                                      ("no hashes", b"{}"), ("list", b"[]"), ("null", b"null")]:
        out.append((f"POST blobs/missing {name}", "POST", "/api/v1/blobs/missing", AUTH, body))
    cursors = [f"{EPOCH}.{'9' * 20}", f"{EPOCH}.{'9' * 19}", f"{EPOCH}.-1", f"{EPOCH}.abc", f"{EPOCH}.١٢",
               f"{EPOCH}.1e5", f"{EPOCH}.", f"{EPOCH}.{'1' * 5000}", f"{EPOCH}. 1", f"{EPOCH}.+1", f"{EPOCH}.0x10",
               f"{EPOCH}.1.2"]
    for c in cursors:
        out.append((f"GET events after={c[-20:]!r}", "GET", f"/api/v1/events?after={c}", AUTH, None))
    for lim in ("abc", "1.5", "", "nan", "1e3", "0x10"):
        out.append((f"GET events limit={lim[:10]!r}", "GET", f"/api/v1/events?limit={lim}", AUTH, None))
    for name, headers in (("no auth", {}), ("empty bearer", {"Authorization": "Bearer "}),
                          ("basic", {"Authorization": "Basic eDp5"}), ("wrong token", {"Authorization": "Bearer x"}),
                          ("long token", {"Authorization": "Bearer " + "x" * 10_000}),
                          ("token with spaces", {"Authorization": "Bearer a b c"})):
        for method, path, body in (("POST", "/api/v1/events", b'{"station_id": "s", "events": []}'),
                                   ("GET", "/api/v1/events", None),
                                   ("POST", "/api/v1/blobs/missing", b'{"hashes": []}'),
                                   ("PUT", f"/api/v1/blobs/{SHA}", b"x")):
            out.append((f"{method} {path[:20]} {name}", method, path, headers, body))
    for sha in ("x", "A" * 63, "g" * 64, "a" * 65, "..%2f..%2fetc", "%00" * 3):
        out.append((f"PUT blobs bad sha {sha[:10]!r}", "PUT", f"/api/v1/blobs/{sha}", AUTH, b"data"))
    out.append(("PUT blobs wrong content", "PUT", f"/api/v1/blobs/{SHA}", AUTH, b"not the hash"))
    out.append(("PUT blobs empty wrong", "PUT", f"/api/v1/blobs/{SHA}", AUTH, b""))
    out.append(("PUT blobs too large", "PUT", f"/api/v1/blobs/{SHA}", {**AUTH, "Content-Length": str(10**12)}, b"x"))
    for tok in ("x", "A" * 15, "A" * 65, "AAAAAAAAAAAAAAAA", "%1b%5d0%3bx%07AAAAAAAAAAAAAA", "1" * 20, "aaaa-bbbb",
                "<script>", "..%2f..%2f", "A" * 10_000):
        out.append((f"GET /t/ {tok[:12]!r}", "GET", f"/t/{tok}", {}, None))
        out.append((f"GET track json {tok[:12]!r}", "GET", f"/api/v1/track/{tok}", {}, None))
    for method, path in (("GET", "/nope"), ("DELETE", "/api/v1/events"), ("PUT", "/api/v1/events"),
                         ("GET", "/api/v1/blobs/missing"), ("POST", "/healthz"), ("GET", "/api/v2/events"),
                         ("PATCH", "/t/AAAAAAAAAAAAAAAA"), ("GET", "/" + "x" * 5000)):
        out.append((f"{method} {path[:20]}", method, path, AUTH, None))
    return out


HTTP_CASES = http_cases()
