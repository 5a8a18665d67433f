"""Warehouse quality gate: a Great Expectations suite over the loaded tables, with static Data Docs.

Every table is checked as a pandas DataFrame (GX's SQL datasource does not work on DuckDB). The
expectations are data: one list per table, each expectation tagged in ``meta`` with the rule it
reports and the message parameters it needs. Failures come back as ``Finding`` records.
"""

from __future__ import annotations

import logging
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from pdv.findings import Finding

if TYPE_CHECKING:
    from great_expectations.expectations import Expectation

# GX_ANALYTICS_ENABLED=False is set by pdv/__init__.py, which always runs before this module.
# great_expectations itself is imported inside check_warehouse: the import alone takes seconds.

log = logging.getLogger(__name__)

COUNTS = ["admitted_total", "admitted_youth", "admitted_union", "recognized_full", "trained", "sympathizers"]
DATES = {"fact_unit_month": ["period_month"], "fact_admission": ["period_month", "admitted_on"]}
SAMPLE = 5  # unexpected values quoted in a finding


MODES = {
    "full": "every current row of the warehouse",
    "changed": "the rows this run inserted or changed, and the rows they are checked against",
}


def check_warehouse(
    frames: dict[str, pd.DataFrame],
    plan_years: tuple[int, int],
    docs_dir: Path,
    mode: str = "full",
    units: pd.DataFrame | None = None,
) -> list[Finding]:
    """Run the Great Expectations suite over the frames of the loaded warehouse; build Data Docs under
    docs_dir; return failures as findings.

    ``mode`` (``full`` or ``changed``) names what the frames hold; each suite is named ``TABLE.MODE`` and
    says it in its notes, so the Data Docs show which check ran. ``units`` is the unit dimension the
    facts' keys are looked up in (default: the ``dim_unit`` frame).
    """
    try:
        return _check(frames, plan_years, Path(docs_dir), mode, units if units is not None else frames.get("dim_unit"))
    except Exception as exc:  # a broken quality gate must be reported, never crash the load
        log.exception("warehouse quality check failed")
        return [Finding("warehouse.check_failed", params={"detail": f"{type(exc).__name__}: {exc}"})]


def _suites(frames: dict[str, pd.DataFrame], plan_years: tuple[int, int]) -> dict[str, list[Expectation]]:
    """The expectations, one list per table; each names in ``meta`` the rule it reports and its message params."""
    import great_expectations.expectations as gxe
    from great_expectations.expectations.row_conditions import Column

    def expect(rule: str, kind: type[Expectation], params: dict[str, str] | None = None, **kwargs: Any) -> Expectation:
        return kind(meta={"rule": rule, **(params or {})}, **kwargs)

    def present(*columns: str) -> list[Expectation]:
        return [expect("warehouse.key_missing", gxe.ExpectColumnValuesToNotBeNull, column=c) for c in columns]

    def unique(*columns: str, current: bool = False) -> Expectation:
        # Superseded submissions stay in the facts, so their keys are unique only among current rows.
        where = (Column("is_current") == True) if current else None  # noqa: E712  (builds a GX row condition)
        if len(columns) == 1:
            return expect(
                "warehouse.key_duplicate", gxe.ExpectColumnValuesToBeUnique, column=columns[0], row_condition=where
            )
        kind = gxe.ExpectCompoundColumnsToBeUnique
        return expect("warehouse.key_duplicate", kind, column_list=list(columns), row_condition=where)

    def known_unit() -> Expectation:
        # Any dim_unit row, current or not: facts keep pointing at the unit version they were loaded against.
        # Among rows whose key is not in dim_unit (``unit_known``, see _prepared) the key must be null, so a
        # failure quotes the unknown keys. Not a value set: GX spends seconds per expectation on a set of
        # tens of thousands of keys, whatever the table's size.
        unknown = Column("unit_known") == False  # noqa: E712  (builds a GX row condition)
        return expect(
            "warehouse.unit_unknown", gxe.ExpectColumnValuesToBeNull, column="unit_key", row_condition=unknown
        )

    def non_negative(*columns: str) -> list[Expectation]:
        kind = gxe.ExpectColumnValuesToBeBetween
        return [expect("warehouse.count_negative", kind, column=c, min_value=0) for c in columns]

    def plausible_age() -> Expectation:
        kind, bounds = gxe.ExpectColumnValuesToBeBetween, {"min": "18", "max": "120"}
        return expect(
            "warehouse.age_out_of_range", kind, bounds, column="age_at_admission", min_value=18, max_value=120
        )

    def allowed(column: str, *values: str) -> Expectation:
        kind, params = gxe.ExpectColumnValuesToBeInSet, {"allowed": ", ".join(values)}
        return expect("warehouse.value_not_allowed", kind, params, column=column, value_set=list(values))

    def in_plan(*columns: str) -> list[Expectation]:
        kind, params = gxe.ExpectColumnValuesToBeBetween, {"plan": f"{plan_years[0]}–{plan_years[1]}"}
        first, last = datetime(plan_years[0], 1, 1), datetime(plan_years[1], 12, 31)
        return [
            expect("warehouse.date_outside_plan", kind, params, column=c, min_value=first, max_value=last)
            for c in columns
        ]

    def agrees(summary: str, roster: str) -> Expectation:
        kind = gxe.ExpectColumnPairValuesToBeEqual
        return expect("warehouse.summary_roster_mismatch", kind, {"other": roster}, column_A=summary, column_B=roster)

    return {
        "dim_unit": [*present("unit_key"), unique("unit_key")],
        "fact_unit_month": [
            *present("unit_key", "period_month"),
            unique("unit_key", "period_month", current=True),
            known_unit(),
            *non_negative(*COUNTS),
            *in_plan("period_month"),
        ],
        "fact_admission": [
            *present("person_key", "unit_key", "period_month", "admitted_on"),
            unique("person_key", current=True),
            known_unit(),
            plausible_age(),
            allowed("source", "youth", "union"),
            *in_plan("period_month", "admitted_on"),
        ],
        "fact_target": [
            *present("plan_key", "unit_key", "year", "source"),
            unique("plan_key", "unit_key", "year", "source", current=True),
            known_unit(),
            *non_negative("target"),
            allowed("source", "total", "youth", "union"),
        ],
        "unit_month_check": [
            *present("unit_key", "period_month"),
            agrees("admitted_total", "roster_total"),
            agrees("admitted_youth", "roster_youth"),
        ],
    }


def _check(
    frames: dict[str, pd.DataFrame],
    plan_years: tuple[int, int],
    docs_dir: Path,
    mode: str,
    units: pd.DataFrame | None,
) -> list[Finding]:
    import great_expectations as gx
    from great_expectations.data_context.types.base import (
        DataContextConfig,
        InMemoryStoreBackendDefaults,
        ProgressBarsConfig,
    )

    # Stores in memory; only the Data Docs site touches disk. Passing data_docs_sites explicitly also
    # keeps the ephemeral context from building its default site in a temporary directory.
    site = {
        "class_name": "SiteBuilder",
        "show_how_to_buttons": False,
        "store_backend": {"class_name": "TupleFilesystemStoreBackend", "base_directory": str(docs_dir)},
        "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
    }
    config = DataContextConfig(
        store_backend_defaults=InMemoryStoreBackendDefaults(),
        data_docs_sites={"pdv": site},
        analytics_enabled=False,
        progress_bars=ProgressBarsConfig(globally=False),
    )
    context = gx.get_context(project_config=config, mode="ephemeral")
    source = context.data_sources.add_pandas("warehouse")

    findings: list[Finding] = []
    for table, expectations in _suites(frames, plan_years).items():
        frame = frames.get(table)
        if frame is None or frame.empty:
            continue  # nothing loaded, nothing to check
        # A checkpoint passes the same batch parameters (hence the same dataframe) to each of its
        # validation definitions, so each table's definition runs on its own; docs are built once.
        name = f"{table}.{mode}"
        batch = source.add_dataframe_asset(name).add_batch_definition_whole_dataframe(name)
        notes = f"pdv {mode} check of {table}: {MODES[mode]} ({len(frame)} rows)"
        suite = context.suites.add(gx.ExpectationSuite(name=name, expectations=expectations, notes=notes))
        definition = context.validation_definitions.add(gx.ValidationDefinition(name=name, data=batch, suite=suite))
        prepared = _prepared(table, frame, units)
        result = definition.run(batch_parameters={"dataframe": prepared}, result_format="SUMMARY")
        findings += [_finding(table, r) for r in result.results if not r.success]
    docs_dir.mkdir(parents=True, exist_ok=True)
    context.build_data_docs(site_names=["pdv"])
    return findings


def _prepared(table: str, frame: pd.DataFrame, units: pd.DataFrame | None) -> pd.DataFrame:
    """Date columns as datetime64 (they arrive as dates or timestamps depending on the driver), and
    for facts ``unit_known``: whether the row's unit key is in dim_unit."""
    dates = [c for c in DATES.get(table, []) if c in frame]
    out = frame.assign(**{c: pd.to_datetime(frame[c]) for c in dates}) if dates else frame
    if table != "dim_unit" and "unit_key" in out:
        keys = units["unit_key"].dropna().astype("int64") if units is not None else pd.Series(dtype="int64")
        out = out.assign(unit_known=pd.to_numeric(out["unit_key"], errors="coerce").isin(keys))
    return out


def _finding(table: str, outcome: Any) -> Finding:
    """One failed expectation as a finding; an expectation GX could not evaluate becomes ``warehouse.check_error``."""
    config = outcome.expectation_config
    kwargs = config.kwargs
    column = kwargs.get("column") or kwargs.get("column_A") or ", ".join(kwargs.get("column_list", []))
    params = {k: v for k, v in (config.meta or {}).items() if k != "rule"}
    errors = [e["exception_message"] for e in outcome.exception_info.values() if isinstance(e, dict)]
    if outcome.exception_info.get("raised_exception") or errors:
        detail = "; ".join(str(e) for e in errors if e) or "unknown error"
        return Finding("warehouse.check_error", sheet=table, column=column, params={"detail": detail})
    result = outcome.result
    params["count"] = result.get("unexpected_count", "")
    return Finding(config.meta["rule"], sheet=table, column=column, value=_sample(result), params=params)


def _sample(result: dict[str, Any]) -> str:
    """A few distinct unexpected values, most frequent first, e.g. ``12/2025-03-01 ×2, 7/2025-04-01``."""
    counts = result.get("partial_unexpected_counts") or [
        {"value": v, "count": 1} for v in result.get("partial_unexpected_list", [])
    ]
    shown = []
    for item in counts[:SAMPLE]:
        value = item["value"]
        text = "/".join(map(_text, value)) if isinstance(value, list | tuple) else _text(value)
        shown.append(text if item["count"] == 1 else f"{text} ×{item['count']}")
    more = len(counts) > SAMPLE or sum(i["count"] for i in counts) < (result.get("unexpected_count") or 0)
    return ", ".join(shown) + (", …" if more else "")


def _text(value: object) -> str:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return "null"
    return str(value).removesuffix(" 00:00:00").removesuffix("T00:00:00")  # dates were widened to timestamps
