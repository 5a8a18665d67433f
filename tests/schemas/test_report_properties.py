"""Property: no summary table, however odd its cells, makes validation crash, and every row is
either loaded or named by an error issue at its own row."""

from __future__ import annotations

import datetime as dt

import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pdv.reference import UnitRegistry
from pdv.settings import PROJECT_ROOT
from pdv.sources.reports import ReportTable
from schemas.report import COUNTS, check_summaries

REGISTRY = UnitRegistry.load(PROJECT_ROOT / "data" / "raw" / "reference")
cell = st.one_of(
    st.none(),
    st.integers(-5, 50),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=12),
    st.sampled_from(["SYT", "Sở Y tế tỉnh Bình Định", "03/2024", "Tháng 13/2024", "1.000", "2,5", "=1+1"]),
    st.dates(dt.date(1900, 1, 1), dt.date(2100, 1, 1)),
)
COLUMNS = ["unit_code", "unit_name", "period", *COUNTS, "reported_on"]
HEADERS = {c: c for c in COLUMNS}


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.fixed_dictionaries({c: cell for c in COLUMNS}), min_size=1, max_size=6))
def test_validation_never_crashes_and_accounts_for_every_row(records: list[dict[str, object]]) -> None:
    frame = pd.DataFrame.from_records(records, columns=COLUMNS).assign(source_row=range(2, 2 + len(records)))
    table = ReportTable("summary", "TongHop", frame, HEADERS, {h: i + 1 for i, h in enumerate(COLUMNS)})
    checked = check_summaries([("reports/x.xlsx", table)], REGISTRY, [2024, 2025], 5)
    loaded = set(checked.rows["source_row"])
    errors = {f.row for f in checked.findings if f.record()["severity"] == "error"}
    assert loaded.isdisjoint(errors)
    assert loaded | errors == set(frame["source_row"])
