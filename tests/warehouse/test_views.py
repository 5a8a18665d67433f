"""BI views against an independent computation from the demo generator's truth, on both databases."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest
import sqlalchemy as sa

from pdv.settings import Settings
from pdv.synthetic.demo import DemoResult
from pdv.warehouse import Destination
from pdv.warehouse.calendar import periods_of
from pdv.warehouse.dictionary import DOC, render, view_docs
from pdv.warehouse.stages.marts import _refresh_progress
from tests.sources.test_plan import annex_rows

pytestmark = pytest.mark.usefixtures("prefect_harness")
Loaded = tuple[Settings, Destination, DemoResult]
COUNTS = ["admitted_total", "admitted_youth", "admitted_union", "recognized_full", "trained"]


def board_periods(year: int) -> dict[str, list[int]]:
    """Months of each Board period, computed here independently of the warehouse."""
    out = {f"{year}-Q{q}": list(range(3 * q - 2, 3 * q + 1)) for q in range(1, 5)}
    out |= {f"{year}-H1": list(range(1, 7)), f"{year}-H2": list(range(7, 13)), str(year): list(range(1, 13))}
    return out


def expected_progress(demo: DemoResult) -> pd.DataFrame:
    truth = demo.truth.summary.copy()
    truth["month"] = truth["period"].str[5:].astype(int)
    deadline = pd.to_datetime(truth["period"] + "-01") + pd.DateOffset(months=1) + pd.Timedelta(days=4)
    truth["on_time"] = pd.to_datetime(truth["reported_on"]) <= deadline
    registry = pd.read_csv("data/raw/reference/units.csv", dtype=str, keep_default_na=False)
    units = sorted(set(registry.loc[registry["parent_code"] != "", "unit_code"]))  # those that existed in 2024
    rows = []
    for period, months in board_periods(2024).items():
        for scope, span in (("period", months), ("ytd", list(range(1, months[-1] + 1)))):
            part = truth[truth["month"].isin(span)]
            for unit in units:
                mine = part[part["unit_code"] == unit].sort_values("month")
                rows.append(
                    {
                        "period": period,
                        "scope": scope,
                        "unit_code": unit,
                        **{c: int(mine[c].sum()) for c in COUNTS},
                        "sympathizers_end": int(mine["sympathizers"].iloc[-1]) if len(mine) else None,
                        "reports_expected": len(span),
                        "reports_received": len(mine),
                        "reports_on_time": int(mine["on_time"].sum()),
                    }
                )
    return pd.DataFrame(rows)


def test_unit_progress_equals_an_independent_computation(loaded: Loaded) -> None:
    _, dest, demo = loaded
    got = dest.read_sql("select * from v_unit_progress where view = 'as_was'")
    want = expected_progress(demo)
    keys = ["period", "scope", "unit_code"]
    cols = [*keys, *COUNTS, "sympathizers_end", "reports_expected", "reports_received", "reports_on_time"]
    merged = want.merge(got[cols], on=keys, how="outer", suffixes=("", "_wh"), indicator=True)
    assert (merged["_merge"] == "both").all()
    for c in cols[3:]:
        a = merged[c].astype("Float64")
        b = merged[f"{c}_wh"].astype("Float64")
        assert ((a == b) | (a.isna() & b.isna())).all(), merged.loc[
            ~((a == b) | (a.isna() & b.isna())), [*keys, c, f"{c}_wh"]
        ]


def test_targets_achievement_and_youth_share(loaded: Loaded) -> None:
    _, dest, _ = loaded
    got = dest.read_sql("select * from v_unit_progress where view = 'as_was' and period = '2024-H1' and scope = 'ytd'")
    annex = {name: (int(n[0]), int(n[1]), int(n[2])) for _, _, name, *n in annex_rows()}
    row = got[got["unit_code"] == "BVDK"].iloc[0]
    assert (row["target_total"], row["target_youth"], row["target_union"]) == annex["Bệnh viện Đa khoa tỉnh Bình Định"]
    assert row["achievement_pct"] == pytest.approx(round(100 * row["admitted_total"] / row["target_total"], 1))
    with_admissions = got[got["admitted_total"] > 0]
    share = (100 * with_admissions["admitted_youth"] / with_admissions["admitted_total"]).round(1)
    assert (with_admissions["youth_share_pct"] - share).abs().max() < 1e-9
    zero_target = got[got["target_total"] == 0]
    assert zero_target["achievement_pct"].isna().all()


def test_stock_is_the_last_month_never_a_sum(loaded: Loaded) -> None:
    _, dest, demo = loaded
    got = dest.read_sql(
        "select unit_code, sympathizers_end from v_unit_progress where view = 'as_was' and period = '2024-Q2'"
        " and scope = 'period' and unit_code = 'BVDK'"
    ).iloc[0]
    june = demo.truth.summary.query("unit_code == 'BVDK' and period == '2024-06'")["sympathizers"].iloc[0]
    assert got["sympathizers_end"] == june


def test_a_unit_that_sent_nothing_is_missing_not_zero(loaded: Loaded) -> None:
    _, dest, demo = loaded
    reported = set(demo.truth.summary.query("unit_code == 'BVPDLTU'")["period"])
    assert "2024-02" not in reported  # the generator left this month out
    row = dest.read_sql(
        "select * from v_report_completeness where view = 'as_was' and unit_code = 'BVPDLTU' and period = '2024-Q1' and scope = 'period'"
    ).iloc[0]
    assert (row["reports_expected"], row["reports_received"], row["reports_missing"]) == (3, 2, 1)


def test_bloc_compares_itself_with_the_plan(loaded: Loaded) -> None:
    _, dest, demo = loaded
    year = dest.read_sql(
        "select * from v_bloc_progress where view = 'as_is' and period = '2024' and scope = 'ytd'"
    ).iloc[0]
    total = int(demo.truth.summary["admitted_total"].sum())
    youth = int(demo.truth.summary["admitted_youth"].sum())
    assert (year["target_plan"], year["target_allocated"], year["admitted_total"]) == (240, 260, total)
    assert year["achievement_pct"] == pytest.approx(round(100 * total / 240, 1))
    assert year["min_youth_share_pct"] == 70.0
    assert bool(year["meets_youth_minimum"]) == (100 * youth >= 70 * total)


def test_admission_breakdown_equals_the_roster(loaded: Loaded) -> None:
    _, dest, demo = loaded
    roster = demo.truth.roster.copy()
    birth = pd.to_datetime(roster["birth_date"])
    admitted = pd.to_datetime(roster["admitted_on"])
    age = (
        admitted.dt.year
        - birth.dt.year
        - ((admitted.dt.month * 100 + admitted.dt.day) < (birth.dt.month * 100 + birth.dt.day)).astype(int)
    )
    band = pd.cut(age, [17, 30, 45, 200], labels=["18-30", "31-45", "Trên 45"]).astype(str)
    got = dest.read_sql(
        "select dimension, category, sum(admitted) as n from v_admission_breakdown"
        " where period = '2024' and scope = 'ytd' group by dimension, category"
    )
    counts = {(r.dimension, r.category): int(r.n) for r in got.itertuples()}
    assert {k[1]: v for k, v in counts.items() if k[0] == "age_band"} == band.value_counts().to_dict()
    assert {k[1]: v for k, v in counts.items() if k[0] == "gender"} == roster["gender"].value_counts().to_dict()
    assert counts[("ethnic_minority", "Dân tộc thiểu số")] == int((roster["ethnicity"] != "Kinh").sum())
    assert counts[("religion", "Có tôn giáo")] == int((roster["religion"] != "Không").sum())


def test_views_expose_no_personal_data(loaded: Loaded) -> None:
    _, dest, demo = loaded
    names = set(demo.truth.roster["full_name"])
    ids = set(demo.truth.roster["national_id"].astype(str))
    for doc in view_docs():
        frame = dest.read_sql(f"select * from {doc.view}")
        assert set(frame.columns) == set(doc.columns), doc.view  # the dictionary documents every column
        text = [str(x) for x in frame.to_numpy().ravel()]
        assert not names & set(text) and not any(i in t for t in text for i in ids), doc.view


def test_data_dictionary_is_rendered_and_commented(loaded: Loaded) -> None:
    _, dest, _ = loaded
    assert DOC.read_text(encoding="utf-8") == render(), "run: python -m pdv.warehouse.dictionary"
    if dest.name == "postgresql":
        comment = dest.read_sql(
            "select col_description(a.attrelid, a.attnum) as c from pg_attribute as a"
            " where a.attrelid = 'v_unit_progress'::regclass and a.attname = 'achievement_pct'"
        ).iloc[0]["c"]
        assert comment and "share of the annual target" in comment
    else:
        comment = dest.read_sql(
            "select comment from duckdb_columns() where table_name = 'v_unit_progress'"
            " and column_name = 'achievement_pct'"
        ).iloc[0]["comment"]
        assert "share of the annual target" in comment


def test_bi_role_reads_views_and_nothing_else(loaded: Loaded) -> None:
    settings, dest, _ = loaded
    if dest.name != "postgresql":
        with pytest.raises(NotImplementedError):
            dest.grant_bi("x")
        return
    dest.grant_bi("bi-secret")
    url = sa.make_url(settings.database_url).set(username="pdv_bi", password="bi-secret")
    bi = sa.create_engine(url, poolclass=sa.pool.NullPool)
    with bi.connect() as conn:
        for doc in view_docs():
            conn.exec_driver_sql(f"select count(*) from {doc.view}").fetchall()
    for forbidden in (
        "select * from restricted_person",
        "select * from load_run",
        "select * from source_file",
        "select * from fact_admission",
        "delete from dq_issue",
        "insert into dim_period values ('x', 'year', 1, 1, current_date, current_date, 'x')",
        "create table t (a int)",
    ):
        with bi.connect() as conn, pytest.raises(sa.exc.ProgrammingError, match="permission denied"):
            conn.exec_driver_sql(forbidden)
    bi.dispose()


def test_mart_refresh_of_some_periods_gives_the_views_rows(loaded: Loaded) -> None:
    """The mart's per-period refresh filters the view's query early; its rows must be the view's own,
    and the other periods' rows are left alone."""
    _, dest, _ = loaded
    in_periods = sa.bindparam("p", expanding=True)

    def count(conn: sa.Connection, query: str, periods: list[str]) -> int:
        return int(conn.execute(sa.text(query).bindparams(in_periods), {"p": periods}).scalar_one())

    with dest.engine.connect() as conn:
        trans = conn.begin()
        try:
            periods = periods_of(conn, [date(2024, 5, 1)])
            assert "2024-Q2" in periods and "2024-Q1" not in periods  # May's periods and the later year-to-dates
            total = conn.exec_driver_sql("select count(*) from mart_unit_progress").scalar_one()
            refreshed = count(conn, "select count(*) from v_unit_progress where period in :p", periods)
            assert 0 < refreshed < total
            conn.exec_driver_sql("update mart_unit_progress set admitted_total = -1")  # stale: to be replaced
            _refresh_progress(conn, [date(2024, 5, 1)])
            rows = "select * from {} where period in :p"
            for a, b in (("mart_unit_progress", "v_unit_progress"), ("v_unit_progress", "mart_unit_progress")):
                diff = f"select count(*) from ({rows.format(a)} except all {rows.format(b)}) as d"
                assert count(conn, diff, periods) == 0, (a, b)
            stale = "select count(*) from mart_unit_progress where admitted_total = -1 and period not in :p"
            assert count(conn, stale, periods) == total - refreshed
        finally:
            trans.rollback()
