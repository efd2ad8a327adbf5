"""issue 20: a signed electronic result travels with its blob (pushed before the event), and the other station
gets the result_issued event and the dossier's results count."""

from __future__ import annotations

import sqlalchemy as sa

from counter.central import tables as t
from counter.printing import forms
from counter.printing.pdf import render_pdf
from counter.services import digitize
from counter.services.signing import Signing, issue_result, results_of
from tests.conftest import actor_for, receive
from tests.helpers.printing import DATA
from tests.sync.conftest import assert_converged


def test_result_and_its_signed_blob_sync(stations, central, keys, p12_cfg):
    s1, s2 = stations
    clerk = actor_for(s1.store, "canbo")
    code = receive(s1.store, clerk, id_number="001090123456")
    signing = Signing(lambda: p12_cfg, s1.store.clock.now)
    signing.unlock(keys.p12_password, clerk.user_id)
    res = issue_result(s1.store, signing, clerk, code, render_pdf(forms.receipt(DATA)), "Giấy khai sinh")
    s1.drain()
    s2.drain()
    with central.engine.connect() as conn:
        data = conn.execute(sa.select(t.blobs.c.data).where(t.blobs.c.sha256 == res.sha256)).scalar()
    assert bytes(data) == digitize.get_blob(s1.store, res.sha256)
    assert [r.sha256 for r in results_of(s2.store, code)] == [res.sha256]
    assert s2.store.query("SELECT results_issued FROM dossiers WHERE code = ?", (code,))[0]["results_issued"] == 1
    assert_converged(central, s1, s2)
