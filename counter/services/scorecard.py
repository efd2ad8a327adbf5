"""The Bộ chỉ số 766 scorecard's numbers: one compute function per indicator (domain/scorecard.INDICATORS).

Each function takes the period's context and returns (numerator, denominator), or None when this store holds no
record to count it from (shown as "Chưa có dữ liệu", never a made-up 0 or a copy of another ratio). 3.6 reads
the payments (services.fees), 4.1 and 4.4 the electronic results (services.signing). Indicators whose records
this store does not hold answer None here: the portal's confirmations 1.4 are kept on the central server
(`counter serve portal status`); 3.5/3.5b and the population database 4.5a/4.5b have no record yet. Complaints
and ratings 5.2/5.3/5.4 are kept on the central server too: each sync fetches its figures per day
(`GET /api/v1/voice/scorecard?by=day`, services.voice.pull_scorecard) and 5.2-5.4 add up the period's days,
noted "theo máy chủ lúc …" (when the server computed them); a station that never synced has no data.
Wiring a source is one line in COMPUTE.

Definitions (domain.md's table):
- 2.1: the dossiers handled in the period are those received in it plus the backlog carried in (received before
  it, not resolved before it), less withdrawn (7), stopped (8) and voided ones. On time = resolved (by the end of
  the period) by the due date the law sets, or not resolved by then and not yet due (waiting for the citizen
  counts as on time: the citizen holds the clock). The statutory verification time moves the due date and is
  not late; a dossier that needed an apology (Mẫu 04) is late whatever its new date.
- 3.x: online dossiers of the procedures that can be done fully online (the catalogue lets channel 2 and does not
  need the citizen in person) / all dossiers of those procedures received in the period; target: the office's
  setting [scorecard] online_target_percent.
- 4.2, 4.3: dossiers received in the period with every paper digitized / reusing a digitized paper or result.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from fractions import Fraction

from counter.domain.scorecard import DEFS, SOURCE_TARGET, Indicator, IndicatorDef, Period, from_parts, with_target
from counter.services.store import Store

LIVE = "voided_at IS NULL"  # issue 12: voided dossiers count nowhere but in the ledger
COHORT = f"received_at >= ? AND received_at < ? AND {LIVE}"


def _ts(dt: datetime) -> str:
    return dt.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")


@dataclass(frozen=True)
class Context:
    store: Store
    period: Period
    lo: str  # the period's bounds [lo, hi) as the store writes times
    hi: str
    now: str  # min(now, end of period): "not yet due" is judged then
    notes: dict[str, str] = field(default_factory=dict)  # code -> a line's note a compute function sets

    @classmethod
    def of(cls, store: Store, period: Period) -> Context:
        lo, hi = period.utc_bounds()
        now = min(store.clock.now(), hi)
        return cls(store, period, _ts(lo), _ts(hi), _ts(now))

    def one(self, sql: str, *args: object) -> tuple[int, ...]:
        return tuple(int(x or 0) for x in self.store.query(sql, args)[0])


Parts = tuple[int, int] | None
Compute = Callable[[Context], Parts]

#: the lawful due date: an apology's new date is not (lifecycle.DossierState.lawful_due_at)
LAWFUL_DUE = "coalesce(legal_due_at, due_at)"
ON_TIME = (f"extension_count = 0 AND ("
           f"(resolved_at IS NOT NULL AND resolved_at < :hi AND resolved_at <= {LAWFUL_DUE}) OR "
           f"((resolved_at IS NULL OR resolved_at >= :hi) AND (status IN (5, 6) OR {LAWFUL_DUE} IS NULL OR "
           f"{LAWFUL_DUE} >= :now)))")
#: handled in the period: received in it, or carried in (received before it and not resolved before it)
HANDLED = (f"{LIVE} AND status NOT IN (7, 8) AND received_at < :hi AND "
           "(received_at >= :lo OR resolved_at IS NULL OR resolved_at >= :lo)")


def on_time_2_1(c: Context) -> Parts:
    """2.1 (see the module's text); (on time, handled)."""
    sql = f"SELECT coalesce(sum({ON_TIME}), 0), count(*) FROM dossiers WHERE {HANDLED}"
    sql = sql.replace(":hi", "?2").replace(":lo", "?1").replace(":now", "?3")
    on_time, handled = (int(x or 0) for x in c.store.query(sql, (c.lo, c.hi, c.now))[0])
    return on_time, handled


#: 3.x's procedures: those that can be done fully online (the catalogue lets channel 2, no presence needed);
#: `p` is the procedures row (the online report, services/online_report.py, counts by the same rule)
FULLY_ONLINE = "((',' || p.channels || ',') LIKE '%,2,%' AND NOT p.in_person)"


def online_3x(c: Context) -> Parts:
    """3.x: online dossiers of fully-online procedures / all dossiers of those procedures."""
    return c.one("SELECT coalesce(sum(d.channel = 2), 0), count(*) FROM dossiers d JOIN procedures p ON "
                 f"p.code = d.procedure_code WHERE {FULLY_ONLINE} AND "
                 f"d.{COHORT.replace(' AND ', ' AND d.')}", c.lo, c.hi)  # type: ignore[return-value]


def digitized_4_2(c: Context) -> Parts:
    return c.one("SELECT coalesce(sum(EXISTS (SELECT 1 FROM dossier_documents x WHERE x.dossier_id = d.id) AND NOT "
                 "EXISTS (SELECT 1 FROM dossier_documents x WHERE x.dossier_id = d.id AND x.digitization = 0)), 0), "
                 f"count(*) FROM dossiers d WHERE d.{COHORT.replace(' AND ', ' AND d.')}",
                 c.lo, c.hi)  # type: ignore[return-value]


def reused_4_3(c: Context) -> Parts:
    return c.one("SELECT coalesce(sum(EXISTS (SELECT 1 FROM dossier_documents x WHERE x.dossier_id = d.id AND "
                 "x.digitization IN (2, 3))), 0), count(*) "
                 f"FROM dossiers d WHERE d.{COHORT.replace(' AND ', ' AND d.')}",
                 c.lo, c.hi)  # type: ignore[return-value]


def paid_online_3_6(c: Context) -> Parts:
    """3.6: dossiers paid online / dossiers with a charge (received in the period; services.fees)."""
    from counter.services.fees import online_payment_counts

    return online_payment_counts(c.store, *c.period.utc_bounds())


def electronic_result_4_1(c: Context) -> Parts:
    """4.1: finished dossiers with a signed electronic result / finished dossiers (services.signing)."""
    from counter.services.signing import indicator_4_1

    return indicator_4_1(c.store, c.period)


def data_store_4_4(c: Context) -> Parts:
    """4.4: results marked for the citizen's data store / dossiers with an electronic result (services.signing)."""
    from counter.services.signing import indicator_4_4

    return indicator_4_4(c.store, c.period)


def from_server(code: str) -> Compute:
    """5.2-5.4: the central server's figures this station fetched at its last sync (services.voice), noted
    "theo máy chủ lúc …"; None (no data) on a station that never synced or for a period before them."""

    def compute(c: Context) -> Parts:
        from counter.services.voice import server_figures

        found = server_figures(c.store, c.period.start, c.period.end)
        if found is None:
            return None
        c.notes[code] = found.note
        return found.parts[code]

    compute.__name__ = f"from_server_{code.replace('.', '_')}"
    return compute


def no_record(_c: Context) -> Parts:
    """No record of this in the store yet (another part of the system brings it)."""
    return None


#: indicator code -> its compute function (the lead wires the other parts' sources here, one line each)
COMPUTE: dict[str, Compute] = {
    "1.4": no_record,  # the national portal's confirmations (issue: portal push)
    "2.1": on_time_2_1,
    "3.x": online_3x,
    "3.5": no_record,  # payments (issue 18)
    "3.5b": no_record,
    "3.6": paid_online_3_6,
    "4.1": electronic_result_4_1,
    "4.2": digitized_4_2,
    "4.2b": no_record,  # the office's electronic certified copies (a setting, not yet)
    "4.3": reused_4_3,
    "4.4": data_store_4_4,
    "4.5a": no_record,  # the population database (the intake does not record where the data came from yet)
    "4.5b": no_record,
    "5.2": from_server("5.2"),  # complaints and ratings: kept on the central server, fetched at each sync
    "5.3": from_server("5.3"),
    "5.4": from_server("5.4"),
}


def definitions(online_target_percent: float) -> dict[str, IndicatorDef]:
    """The table with the office's own target for the online share."""
    target = Fraction(online_target_percent).limit_denominator(1000) / 100
    return with_target(DEFS, "3.x", target=target,
                       source=f"{SOURCE_TARGET}: {online_target_percent:g}%".replace(".", ","))


def indicators(store: Store, period: Period, online_target_percent: float = 30.0) -> list[Indicator]:
    """Every indicator of the table, in order, each from its compute function."""
    c = Context.of(store, period)
    defs = definitions(online_target_percent)
    out = []
    for code in defs:
        parts = COMPUTE[code](c)  # first: it may note where its figures come from
        out.append(from_parts(code, parts, note=c.notes.get(code, ""), defs=defs))
    return out
