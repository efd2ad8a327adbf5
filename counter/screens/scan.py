"""F3 Số hóa: choose the dossier, then per checklist item scan or import pages, order them, save one PDF."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import DataTable, Input, ProgressBar, Static

from counter.screens.base import ServiceScreen
from counter.screens.modals import AskText, Confirm
from counter.widgets.qr_input import QrInput
from counter.widgets.status import BottomBar
from counter.widgets.table import FittedTable

if TYPE_CHECKING:
    from counter.services.digitize import Page, ReuseOffer, ScanResult, ScanTarget


SHORT = {0: "Chưa số hóa", 1: "Đã số hóa", 2: "Tái sử dụng (TP)", 3: "Tái sử dụng (KQ)"}


def cell(value: str, style: str = "") -> Text:
    return Text(value, no_wrap=True, overflow="ellipsis", style=style)


PICK_COLUMNS = [("Mã hồ sơ", 19), ("Chủ hồ sơ", 20), ("Thủ tục", 24), ("Trạng thái", 20)]
ITEM_COLUMNS = [("TT", 2), ("Giấy tờ", 30), ("Số hóa", 16), ("Trang", 5), ("Chờ lưu", 7)]
PAGE_COLUMNS = [("#", 3), ("Nguồn", 11), ("Trang", 30)]


class ScanScreen(ServiceScreen, scope="scan"):
    HELP = ("Số hóa hồ sơ. 1) Gõ mã hồ sơ hoặc quét mã QR/mã vạch trên Giấy tiếp nhận rồi Enter (gõ họ tên hay "
            "số CCCD để tìm, Enter trên dòng kết quả để chọn). 2) Chọn thành phần hồ sơ bằng mũi tên. 3) {scan.scan} quét "
            "từ máy quét (khay nạp giấy quét cả xấp), {scan.import} nhập tệp JPEG/PNG/PDF, {scan.watched} lấy tệp từ "
            "thư mục quét. "
            "4) Trong danh sách trang: {scan.up}/{scan.down} đổi thứ tự, {scan.drop} bỏ trang. 5) {scan.save} lưu "
            "thành một tệp PDF "
            "cho thành phần đó. {scan.reuse} tái sử dụng tệp đã số hóa của cùng công dân (CCCD trùng) ở hồ sơ trước. "
            "{scan.open} mở tệp PDF đã lưu. {scan.device} đổi máy quét (danh sách devices trong mục [scanner] của cấu hình). "
            "{scan.escape} dừng việc đang chạy (quét, nhập), hoặc quay về ô mã hồ sơ.")
    AUTO_FOCUS = "#scan-code"
    target: ScanTarget | None = None
    busy: str | None = None  # what runs now (shown in the status line)
    picks: Sequence[str] = ()  # the codes of the dossiers a name or ID number found
    _config: Any = None

    def __init__(self) -> None:
        super().__init__()
        self.pending: dict[int, list[Page]] = {}  # checklist position -> pages waiting to be saved
        self.offers: dict[int, list[ReuseOffer]] = {}
        self.cancel = threading.Event()

    # ---- layout ----------------------------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        with Vertical(id="scan-body"):
            yield QrInput(placeholder="Mã hồ sơ — gõ, quét mã QR/mã vạch trên Giấy tiếp nhận, hoặc gõ tên / số CCCD "
                                    "để tìm", id="scan-code")
            yield FittedTable(PICK_COLUMNS, shrink={"Chủ hồ sơ": 14, "Thủ tục": 14, "Trạng thái": 14},
                              drop=["Thủ tục"], id="scan-picks", cursor_type="row", zebra_stripes=True)
            yield Static(Text("Chưa chọn hồ sơ.", style="dim"), id="scan-head")
            with Horizontal(id="scan-main"):
                with Vertical(id="scan-left"):
                    yield Static(Text("Thành phần hồ sơ", style="bold"), classes="section")
                    yield FittedTable(ITEM_COLUMNS, shrink={"Giấy tờ": 12, "Số hóa": 8}, drop=["Trang"],
                                      id="scan-items", cursor_type="row")
                with Vertical(id="scan-right"):
                    yield Static(Text("Trang chờ lưu", style="bold"), classes="section")
                    yield FittedTable(PAGE_COLUMNS, shrink={"Nguồn": 8, "Trang": 10}, id="scan-pages",
                                      cursor_type="row")
                    with Horizontal(id="scan-preview-row"):
                        yield Static("", id="scan-thumb")
                        yield Static("", id="scan-preview")
            with Horizontal(id="scan-progress-row"):
                yield ProgressBar(total=None, show_eta=False, id="scan-progress")
                yield Static("", id="scan-status", markup=False)
        yield BottomBar()

    def on_mount(self) -> None:
        picks = self.query_one("#scan-picks", DataTable)
        picks.display = False
        self.query_one("#scan-progress-row").display = False
        self.show_pages()

    def refocus(self) -> None:
        self.query_one("#scan-code", Input).focus()

    def config(self) -> Any:
        if self._config is None:
            from counter.services.digitize import scanner_config

            self._config = scanner_config(self.capp.store)  # type: ignore[arg-type]
        return self._config

    # ---- the dossier -----------------------------------------------------------------------------------
    @on(Input.Submitted, "#scan-code")
    def code_submitted(self, event: Input.Submitted) -> None:
        text = event.value.strip()
        if text:
            self.open_dossier(text)

    def open_dossier(self, text: str) -> None:
        from counter.services import digitize, dossiers

        store = self.capp.store

        def load() -> Any:
            if digitize.resolve_code(store, text) is not None:  # type: ignore[arg-type]
                return digitize.load_target(store, text)  # type: ignore[arg-type]
            found = dossiers.search(store, text, page_size=10)  # type: ignore[arg-type]
            if not found.items:  # the OCR text of digitized papers (when the office turned OCR on)
                hits = [dossiers.search(store, c).items for c in digitize.search_ocr(store, text, 10)]  # type: ignore[arg-type]
                found = dossiers.SearchPage(found.query, 0, 10, [h[0] for h in hits if h], False)
            return found

        self.call_service(load, self.loaded, group="load", exclusive=True)

    def loaded(self, result: Any) -> None:
        from counter.services.digitize import ScanTarget

        picks = self.query_one("#scan-picks", DataTable)
        if not isinstance(result, ScanTarget):
            picks.clear()
            self.picks = [d.code for d in result.items]
            for d in result.items:
                picks.add_row(cell(d.code), cell(d.owner_name), cell(d.procedure_name), cell(d.status_label),
                              key=d.code)
            picks.display = bool(self.picks)
            if self.picks:
                picks.focus()
                self.status("Chọn hồ sơ trong danh sách rồi Enter.")
            else:
                self.show_error(f"Không tìm thấy hồ sơ “{result.query}”.")
            return
        picks.display = False
        if self.target is not None and self.target.code != result.code and any(self.pending.values()):
            waiting = sum(len(p) for p in self.pending.values())
            old = self.target.code

            def answer(yes: bool | None) -> None:
                if yes:
                    self.drop_pending()
                    self.loaded(result)
                else:
                    self.query_one("#scan-code", Input).value = old

            self.app.push_screen(Confirm(f"Hồ sơ {old} còn {waiting} trang chưa lưu. Bỏ các trang đó và mở hồ sơ "
                                         f"{result.code}?"), answer)
            return
        if self.target is None or self.target.code != result.code:
            self.pending, self.offers = {}, {}
        self.target = result
        self.query_one("#scan-code", Input).value = result.code
        self.show_target()
        items = self.query_one("#scan-items", DataTable)
        items.focus()
        if not result.can_scan:
            self.status(f"Hồ sơ đang ở trạng thái “{result.status_label}”: không số hóa được.")
        self.load_offers()

    @on(DataTable.RowSelected, "#scan-picks")
    def pick(self, event: DataTable.RowSelected) -> None:
        self.open_dossier(str(event.row_key.value))

    def show_target(self, keep_row: int | None = None) -> None:
        t = self.target
        if t is None:
            return
        head = Text.assemble((t.code, "bold"), "  ", (t.status_label, "reverse"), "  ", t.owner_name, " — ",
                             t.procedure_name, "  ", (t.summary, "bold"))
        self.query_one("#scan-head", Static).update(head)
        items = self.query_one("#scan-items", DataTable)
        row = items.cursor_row if keep_row is None else keep_row
        items.clear()
        for it in t.items:
            waiting = len(self.pending.get(it.position, []))
            items.add_row(str(it.position), cell(it.name), cell(SHORT.get(it.digitization, it.label),
                                                                 "bold" if it.digitized else "dim"),
                          str(it.pages) if it.digitized else "—", str(waiting) if waiting else "",
                          key=str(it.position))
        if t.items:
            items.move_cursor(row=min(max(row, 0), len(t.items) - 1))
        self.show_pages()

    def position(self) -> int | None:
        t = self.target
        if t is None or not t.items:
            return None
        row = self.query_one("#scan-items", DataTable).cursor_row
        return t.items[min(max(row, 0), len(t.items) - 1)].position

    def item(self) -> Any:
        pos = self.position()
        return next((i for i in self.target.items if i.position == pos), None) if self.target and pos else None

    @on(DataTable.RowHighlighted, "#scan-items")
    def item_moved(self) -> None:
        self.show_pages()
        self.hint_reuse()

    @on(DataTable.RowSelected, "#scan-items")
    def item_chosen(self) -> None:
        if self.pending.get(self.position() or 0):
            self.query_one("#scan-pages", DataTable).focus()

    def load_offers(self) -> None:
        t = self.target
        if t is None or not t.has_id_number:
            return
        from counter.services.digitize import reuse_offers

        store, code = self.capp.store, t.code
        positions = [i.position for i in t.items if not i.digitized]

        def work() -> dict[int, list[Any]]:
            return {p: reuse_offers(store, code, p) for p in positions}  # type: ignore[arg-type]

        def done(offers: dict[int, list[Any]]) -> None:
            if self.target is not None and self.target.code == code:
                self.offers = {p: o for p, o in offers.items() if o}
                self.hint_reuse()

        self.call_service(work, done, group="offers", exclusive=True)

    def hint_reuse(self) -> None:
        if self.busy:
            return
        offers = self.offers.get(self.position() or 0)
        it = self.item()
        if offers and it is not None and not it.digitized:
            o = offers[0]
            where = "kết quả điện tử" if o.digitization == 3 else f"thành phần {o.position}"
            self.status(f"Công dân đã có tệp số hóa ở hồ sơ {o.code} ({where}: {o.name}, "
                        f"{o.pages} trang): Ctrl+T để tái sử dụng.")
            self._hint = True
        elif getattr(self, "_hint", False):  # only a hint goes away with the cursor; results stay
            self.status("")

    # ---- pages -----------------------------------------------------------------------------------------
    def show_pages(self, cursor: int | None = None) -> None:
        table = self.query_one("#scan-pages", DataTable)
        pages = self.pending.get(self.position() or 0, [])
        row = table.cursor_row if cursor is None else cursor
        table.clear()
        for i, p in enumerate(pages, start=1):
            table.add_row(str(i), cell(p.source), cell(p.short()))
        if pages:
            table.move_cursor(row=min(max(row, 0), len(pages) - 1))
        self.show_preview()

    def show_preview(self) -> None:
        """Text preview (every terminal): page count and the first page's size and resolution."""
        from counter.services.digitize import human_size

        pages = self.pending.get(self.position() or 0, [])
        it = self.item()
        lines = []
        if pages:
            total = sum(p.size for p in {(p.path, p.index): p for p in pages}.values())
            lines.append(f"{len(pages)} trang chờ lưu, khoảng {human_size(total)}")
            lines.append(f"Trang đầu: {pages[0].describe()}")
            lines.append("Ctrl+S: lưu thành một tệp PDF")
        elif it is not None and it.digitized:
            lines.append(f"{it.label}: {it.pages} trang, {human_size(it.size)} — SHA-256 {it.blobs[0][:16]}…")
            lines.append(f"{self.key_name('scan.open')}: mở tệp PDF · {self.key_name('scan.scan')}/"
                         f"{self.key_name('scan.import')}/{self.key_name('scan.watched')}: quét lại để thay tệp")
        elif it is not None:
            lines.append(f"Chưa có trang nào: {self.key_name('scan.scan')} quét, {self.key_name('scan.import')} nhập tệp, "
                         f"{self.key_name('scan.watched')} lấy từ thư mục quét")
        self.query_one("#scan-preview", Static).update(Text("\n".join(lines), style="dim" if not pages else ""))
        self.show_thumb(pages[0] if pages else None)

    def show_thumb(self, page: Page | None) -> None:
        """A first-page thumbnail in half blocks (any colour terminal); the text beside it is the fallback."""
        thumb = self.query_one("#scan-thumb", Static)
        if page is None or page.kind == "pdf":
            thumb.update("")
            thumb.display = False
            return
        if getattr(self, "_thumb_of", None) == (page.path, page.index):
            thumb.display = True
            return
        from counter.services.digitize import thumbnail

        def done(cells: list[Any]) -> None:
            text = Text()
            for i, row in enumerate(cells):
                if i:
                    text.append("\n")
                for top, bottom in row:
                    text.append("▀", style=f"rgb({top[0]},{top[1]},{top[2]}) on rgb({bottom[0]},{bottom[1]},{bottom[2]})")
            self._thumb_of = (page.path, page.index)
            thumb.update(text)
            thumb.display = bool(cells)

        self.call_service(lambda: thumbnail(page), done, lambda msg: None, group="thumb", exclusive=True)

    def add_pages(self, position: int, pages: list[Page], what: str) -> None:
        self.pending.setdefault(position, []).extend(pages)
        self.show_target()
        count = len(self.pending[position])
        self.status(f"{what}: thêm {len(pages)} trang (thành phần {position} có {count} trang chờ lưu).")
        self.query_one("#scan-pages", DataTable).move_cursor(row=count - 1)

    def action_move(self, delta: int) -> None:
        pages = self.pending.get(self.position() or 0)
        if not pages or self.busy:
            return
        table = self.query_one("#scan-pages", DataTable)
        i = table.cursor_row
        j = i + delta
        if not (0 <= i < len(pages) and 0 <= j < len(pages)):
            return
        pages[i], pages[j] = pages[j], pages[i]
        self.show_pages(cursor=j)
        table.focus()

    def action_drop(self) -> None:
        pos = self.position() or 0
        pages = self.pending.get(pos)
        if not pages or self.busy:
            return
        table = self.query_one("#scan-pages", DataTable)
        i = table.cursor_row
        if not 0 <= i < len(pages):
            return
        page = pages.pop(i)
        from counter.services.digitize import discard_spool

        store = self.capp.store
        if not any(p.path == page.path for p in pages):
            self.run_worker(lambda: discard_spool(store, [page]), thread=True, group="spool",  # type: ignore[arg-type]
                            exit_on_error=False)
        self.show_target()
        self.show_pages(cursor=i)
        self.status(f"Đã bỏ trang {i + 1}.")

    def dirty(self) -> bool:
        return any(self.pending.values())  # scanned or imported pages not saved into a PDF yet

    def discard(self) -> None:
        self.drop_pending()

    def drop_pending(self) -> None:
        """Forget every unsaved page (scanned files in the spool are removed)."""
        from counter.services.digitize import discard_spool

        store, pages = self.capp.store, [p for ps in self.pending.values() for p in ps]
        self.pending = {}
        if pages:
            self.run_worker(lambda: discard_spool(store, pages), thread=True, group="spool",  # type: ignore[arg-type]
                            exit_on_error=False)

    # ---- long work: progress and cancel ----------------------------------------------------------------
    def status(self, text: str) -> None:
        self._hint = False
        self.query_one("#scan-status", Static).update(Text(text))
        self.query_one("#scan-progress-row").display = bool(text) or self.busy is not None

    def start(self, what: str, total: int | None = None) -> bool:
        if self.busy:
            self.notify(f"Đang {self.busy}: chờ xong hoặc Esc để dừng.", severity="warning")
            return False
        self.busy = what
        self.cancel = threading.Event()
        bar = self.query_one("#scan-progress", ProgressBar)
        bar.update(total=total, progress=0)
        bar.display = True
        self.status(f"Đang {what}… (Esc để dừng)")
        return True

    def progress(self, done: int, total: int | None = None, text: str = "") -> None:
        bar = self.query_one("#scan-progress", ProgressBar)
        bar.update(total=total, progress=done)
        if text:
            self.query_one("#scan-status", Static).update(Text(f"{text} (Esc để dừng)"))

    def finish(self, message: str = "") -> None:
        self.busy = None
        self.query_one("#scan-progress", ProgressBar).display = False
        self.status(message)

    def failed(self, message: str) -> None:
        self.finish("")
        self.show_error(message)

    def action_escape(self) -> None:
        if self.busy and self.busy.startswith("lưu"):
            self.notify("Đang ghi tệp PDF và sự kiện: chờ vài giây cho xong (không dừng giữa chừng).", markup=False)
            return
        if self.busy:
            self.cancel.set()
            self.query_one("#scan-status", Static).update(Text(f"Đang dừng {self.busy}…"))
            return
        if self.query_one("#scan-picks").display and self.focused is self.query_one("#scan-picks"):
            self.query_one("#scan-picks").display = False
        self.refocus()

    def ready_item(self) -> int | None:
        t = self.target
        if t is None:
            self.show_error("Chưa chọn hồ sơ: gõ hoặc quét mã hồ sơ trước.")
            self.refocus()
            return None
        if not t.can_scan:
            self.show_error(f"Không thể số hóa giấy tờ khi hồ sơ đang ở trạng thái “{t.status_label}”.")
            return None
        pos = self.position()
        if pos is None:
            self.show_error("Hồ sơ không có thành phần nào để số hóa.")
        return pos

    # ---- sources ---------------------------------------------------------------------------------------
    def action_scan(self) -> None:
        pos = self.ready_item()
        if pos is None:
            return
        cfg = self.attempt(self.config)
        if cfg is None:
            return
        feeder = "feeder" in cfg.source.lower() or "adf" in cfg.source.lower()
        if not self.start(f"quét từ máy quét {cfg.device}" + (" (khay nạp giấy)" if feeder else "")):
            return
        from counter.services import digitize

        store, cancel = self.capp.store, self.cancel

        def on_page(n: int) -> None:
            self.app.call_from_thread(self.progress, n, None, f"Đã quét {n} trang")

        def work() -> tuple[list[Any], bool]:
            return digitize.scan_keeping_pages(store, config=cfg, on_page=on_page, cancel=cancel)  # type: ignore[arg-type]

        def done(result: tuple[list[Any], bool]) -> None:
            pages, cancelled = result
            self.finish()
            if pages:
                self.add_pages(pos, pages, "Đã dừng quét, giữ các trang đã quét xong" if cancelled else "Quét xong")
            else:
                self.status("Đã dừng quét, chưa có trang nào.")

        self.call_service(work, done, self.failed, group="scan")

    def action_import_files(self) -> None:
        pos = self.ready_item()
        if pos is None:
            return

        self.ask(AskText("Nhập tệp", "Đường dẫn tệp JPEG, PNG hoặc PDF (nhiều tệp: ngăn cách bằng “;”; "
                         "một thư mục: mọi ảnh trong đó)"),
                 lambda text: self.import_paths(pos, split_paths(text), "Nhập tệp"))

    def import_paths(self, pos: int, paths: list[Path], what: str, watched: bool = False) -> None:
        files = expand(paths)
        if not files:
            self.show_error("Không có tệp nào để nhập.")
            return
        if not self.start(f"nhập {len(files)} tệp", total=len(files)):
            return
        from counter.services import digitize
        from counter.services.digitize import ScanCancelled

        cancel = self.cancel

        def on_file(i: int, n: int) -> None:
            self.app.call_from_thread(self.progress, i, n, f"Đã kiểm tra {i}/{n} tệp")

        def work() -> list[Any] | None:
            try:
                return digitize.import_pages(files, on_file=on_file, cancel=cancel,
                                             source="thư mục quét" if watched else "tệp")
            except ScanCancelled:
                return None

        def done(pages: list[Any] | None) -> None:
            self.finish()
            if pages is None:
                self.status("Đã dừng nhập tệp: không thêm trang nào.")
            else:
                self.add_pages(pos, pages, what)

        self.call_service(work, done, self.failed, group="scan")

    def action_watched(self) -> None:
        pos = self.ready_item()
        if pos is None:
            return
        if not self.start("lấy tệp từ thư mục quét"):
            return
        from counter.services import digitize

        store = self.capp.store
        cfg = self.attempt(self.config, self.failed)
        if cfg is None:
            return

        def done(pages: list[Any]) -> None:
            self.finish()
            self.add_pages(pos, pages, "Thư mục quét")

        self.call_service(lambda: digitize.watched_pages(store, cfg), done, self.failed, group="scan")  # type: ignore[arg-type]

    # ---- save, reuse, open -----------------------------------------------------------------------------
    def action_save(self) -> None:
        pos = self.ready_item()
        if pos is None:
            return
        pages = list(self.pending.get(pos, []))
        if not pages:
            self.show_error(f"Chưa có trang nào chờ lưu cho thành phần này: {self.key_name('scan.scan')} quét, "
                            f"{self.key_name('scan.import')} nhập tệp.")
            return
        if not self.start(f"lưu {len(pages)} trang thành PDF"):
            return
        from counter.services import digitize

        store, actor, code = self.capp.store, self.capp.actor, self.target.code  # type: ignore[union-attr]
        cfg = self.config()

        def work() -> tuple[Any, Any]:
            result = digitize.save_pages(store, actor, code, pos, pages)  # type: ignore[arg-type]
            digitize.discard_spool(store, pages)  # type: ignore[arg-type]
            digitize.watched_done(store, pages, cfg)  # type: ignore[arg-type]
            return result, digitize.load_target(store, code)  # type: ignore[arg-type]

        def done(out: tuple[ScanResult, ScanTarget]) -> None:
            result, target = out
            if self.pending.get(pos) == pages:
                self.pending.pop(pos, None)
            self.target = target
            self.offers.pop(pos, None)
            self.finish(f"Đã lưu “{result.name}”: {result.pages} trang, PDF "
                        f"{result.size // 1024} KB — {result.summary}.")
            self.show_target()
            self.query_one("#scan-items", DataTable).focus()
            self.notify(f"Đã số hóa {result.name} ({result.summary})", markup=False)
            if cfg.ocr:
                self.run_ocr(result.sha256, cfg.ocr_lang)

        self.call_service(work, done, self.failed, group="scan")

    def run_ocr(self, sha: str, lang: str) -> None:
        """OCR in its own worker: only feeds search; the clerk goes on working meanwhile."""
        from counter.services.digitize import ocr_blob

        store = self.capp.store
        self.call_service(lambda: ocr_blob(store, sha, lang), lambda n: None,  # type: ignore[arg-type]
                          lambda msg: self.notify(f"OCR: {msg}", severity="warning", markup=False), group="ocr")

    def action_reuse(self) -> None:
        pos = self.ready_item()
        if pos is None:
            return
        offers = self.offers.get(pos)
        if not offers:
            self.show_error("Không có tệp nào của cùng công dân (CCCD trùng) để tái sử dụng cho thành phần này.")
            return
        o = offers[0]
        code = self.target.code  # type: ignore[union-attr]

        def answer(_yes: bool) -> None:
            from counter.services import digitize

            store, actor = self.capp.store, self.capp.actor

            def work() -> tuple[Any, Any]:
                r = digitize.take_offer(store, actor, code, pos, o)  # type: ignore[arg-type]
                return r, digitize.load_target(store, code)  # type: ignore[arg-type]

            def done(out: tuple[Any, Any]) -> None:
                self.target = out[1]
                self.offers.pop(pos, None)
                self.show_target()
                self.status(f"Đã tái sử dụng tệp của hồ sơ {o.code} — {out[0].summary}.")

            self.call_service(work, done, group="reuse")

        what = "kết quả điện tử" if o.digitization == 3 else "tệp đã số hóa"
        self.ask(Confirm(f"Tái sử dụng {what} “{o.name}” ({o.pages} trang) của hồ sơ {o.code} "
                         f"cho thành phần {pos}?"), answer)

    def action_sign(self) -> None:
        """Ký số (issue 20): the official certifies the electronic copy of the highlighted paper with the token
        (the PIN is asked once per session)."""
        from counter.screens.sign import sign_with_pin

        it = self.item()
        if self.target is None:
            self.show_error("Chưa chọn hồ sơ: gõ hoặc quét mã hồ sơ trước.")
            return
        if it is None or not it.digitized:
            self.show_error("Thành phần này chưa có tệp số hóa để ký: quét hoặc nhập tệp rồi lưu (Ctrl+S) trước.")
            return
        from counter.services import digitize
        from counter.services.signing import sign_document

        services, actor, code, pos = self.capp.services, self.capp.actor, self.target.code, it.position
        store = self.capp.store

        def work() -> tuple[Any, Any]:
            r = sign_document(store, services.signing, actor, code, pos)  # type: ignore[union-attr,arg-type]
            return r, digitize.load_target(store, code)  # type: ignore[arg-type]

        def done(out: tuple[Any, Any]) -> None:
            self.target = out[1]
            self.show_target()
            self.status(f"Đã ký số “{out[0].name}” ({out[0].pages} trang) — người ký {out[0].signer}.")

        sign_with_pin(self, work, done)

    def action_next_device(self) -> None:
        """The next scanner of the config's list, for this session (the config keeps the default)."""
        from dataclasses import replace

        cfg = self.attempt(self.config)
        if cfg is None:
            return
        names = list(dict.fromkeys(cfg.devices if cfg.device in cfg.devices else (cfg.device, *cfg.devices)))
        if len(names) < 2:
            self.status(f"Máy quét: {cfg.device} (thêm máy khác vào devices trong mục [scanner] của config.toml).")
            return
        self._config = replace(cfg, device=names[(names.index(cfg.device) + 1) % len(names)])
        self.status(f"Máy quét: {self._config.device}")

    def action_open_pdf(self) -> None:
        it = self.item()
        if it is None or not it.digitized:
            self.show_error("Thành phần này chưa có tệp số hóa để mở.")
            return
        from counter.services.digitize import known_blob, open_with_viewer

        store, sha = self.capp.store, it.blobs[0]

        def work() -> tuple[bool, Path]:
            path = known_blob(store, sha)  # type: ignore[arg-type]
            return open_with_viewer(path), path

        def done(out: tuple[bool, Path]) -> None:
            opened, path = out
            self.notify(f"Đã mở {path}" if opened else f"Không có trình xem trên máy này; tệp PDF nằm tại: {path}",
                        markup=False, timeout=10)

        self.call_service(work, done, group="open")


def split_paths(text: str) -> list[Path]:
    parts = [p.strip().strip('"').strip("'") for p in text.split(";")]
    return [Path(p).expanduser() for p in parts if p]


def expand(paths: list[Path]) -> list[Path]:
    """A folder stands for its JPEG/PNG/PDF files, by name."""
    out: list[Path] = []
    for p in paths:
        if p.is_dir():
            out.extend(sorted(f for f in p.iterdir() if f.is_file() and f.suffix.lower() in
                              (".jpg", ".jpeg", ".png", ".pdf")))
        else:
            out.append(p)
    return out
