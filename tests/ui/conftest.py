"""A small real store for the Pilot tests: one office, every role, the catalogue and a few dossiers."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from counter.domain.intake import Applicant, ReceiveRequest
from counter.screens.search import PAGE_SIZE
from counter.services.dossiers import default_papers, receive_in
from counter.services.store import Store
from tests.conftest import actor_for, make_store, receive

NAMES = ["Nguyễn Văn An", "Đặng Văn An", "Trần Thị Bích", "Nguyễn Thị Lan", "Lê Hữu Phúc"]
MARKUP_ADDRESS = "Thôn [2], xã [bold]Phục Linh[/bold]"  # addresses may hold brackets; they must show as typed
MARKUP_PAPER = "Giấy [xác nhận] cư trú [/]"


@dataclass
class UiStore:
    store: Store
    codes: dict[str, str]  # owner name -> dossier code
    markup_code: str  # the dossier whose address and extra paper hold "[...]"


@pytest.fixture(scope="module")
def ui(tmp_path_factory) -> UiStore:
    store = make_store(tmp_path_factory.mktemp("ui"))
    clerk = actor_for(store, "canbo")
    codes = {name: receive(store, clerk, name, phone="0912345678" if name == "Trần Thị Bích" else None)
             for name in NAMES}
    with store.write() as s:
        markup_code = receive_in(s, clerk, ReceiveRequest(
            procedure_code="1.001193", owner=Applicant(name="Hoàng Văn Minh", address=MARKUP_ADDRESS),
            papers=default_papers(s, "1.001193"), extra_papers=(MARKUP_PAPER,)), store.clock.now()).code
    for i in range(PAGE_SIZE + 3):  # more than one page of "Phạm Văn …"
        receive(store, clerk, f"Phạm Văn {['Hải', 'Hùng', 'Long', 'Nam'][i % 4]}")
    yield UiStore(store, codes, markup_code)
    store.close()


@pytest.fixture
def ui_store(ui: UiStore) -> Store:
    return ui.store
