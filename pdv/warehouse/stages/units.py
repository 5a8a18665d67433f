"""The unit versions (``dim_unit``) and who holds each target, in line with the reference data."""

from __future__ import annotations

from datetime import date

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from pdv.history import UnitHistory, place
from pdv.textnorm import map_unique, name_key
from pdv.warehouse.base import Destination, query_frame
from pdv.warehouse.stages.record import next_key
from pdv.warehouse.staging import stage_frame

_NEVER = date(1, 1, 1)  # valid_from of a version open since before the plan, for matching
_VERSION_ATTRS = ["unit_type", "unit_name", "parent_code", "parent_name", "current_unit_code", "valid_to"]


def sync_units(conn: Connection, dest: Destination, history: UnitHistory) -> tuple[pd.DataFrame, set[str]]:
    """Bring ``dim_unit`` and the succession bridge in line with the history.

    A version keeps its key while its (code, first day) stays; returns the desired versions with
    their keys and the codes whose placement of figures may have changed (their history, or that of
    a unit they pass their figures to).
    """
    current = history.current_code()
    want = history.versions.assign(
        current_unit_code=history.versions["unit_code"].map(current),
        is_current=history.versions["valid_to"].isna(),
        start=history.versions["valid_from"].map(lambda d: _NEVER if d is None or pd.isna(d) else d),
    )
    have = query_frame(conn, "select * from dim_unit")
    have["start"] = pd.to_datetime(have["valid_from"]).dt.date.map(lambda d: _NEVER if d is None or pd.isna(d) else d)
    have["valid_to"] = pd.to_datetime(have["valid_to"]).dt.date
    edges_old = query_frame(conn, "select * from bridge_unit_succession")
    merged = want.merge(have[["unit_code", "start", "unit_key"]], on=["unit_code", "start"], how="left")
    fresh = merged["unit_key"].isna()
    start = next_key(conn, "dim_unit", "unit_key")
    merged.loc[fresh, "unit_key"] = range(start, start + int(fresh.sum()))
    merged["unit_key"] = merged["unit_key"].astype("int64")
    cols = [
        "unit_key",
        "unit_code",
        "unit_type",
        "unit_name",
        "name_key",
        *_VERSION_ATTRS[2:],
        "valid_from",
        "is_current",
    ]

    def signature(frame: pd.DataFrame) -> set[tuple[object, ...]]:
        attrs = frame[["unit_code", "start", *_VERSION_ATTRS]].astype(object)
        return set(map(tuple, attrs.where(attrs.notna(), None).to_numpy().tolist()))

    def edges(frame: pd.DataFrame) -> set[tuple[object, ...]]:
        keep = frame[["predecessor_code", "successor_code", "is_principal"]].astype(object)
        days = pd.to_datetime(frame["effective_date"]).dt.date.astype(object)
        return set(
            zip(keep["predecessor_code"], keep["successor_code"], keep["is_principal"].astype(bool), days, strict=True)
        )

    new_edges = edges(history.succession)
    old_sig, new_sig, old_edges = signature(have), signature(merged), edges(edges_old)
    if old_sig == new_sig and old_edges == new_edges:
        return merged, set()
    merged["name_key"] = map_unique(merged["unit_name"], name_key)  # only when something changed: 52,000 names cost
    changed = {str(t[0]) for t in old_sig ^ new_sig} | {str(e[0]) for e in old_edges ^ new_edges}
    # Codes are placed along their successors: a unit feeding a changed one is affected too.
    nxt: dict[str, set[str]] = {}
    for a, b in zip(history.succession["predecessor_code"], history.succession["successor_code"], strict=True):
        nxt.setdefault(str(a), set()).add(str(b))
    affected = {code for code in set(current) | set(have["unit_code"]) if _chain(code, nxt) & changed}
    keep = merged[~fresh]
    if not keep.empty:
        stage_frame(
            conn,
            dest,
            "stage_unit",
            "unit_key integer, unit_name varchar, name_key varchar, unit_type varchar, parent_code varchar,"
            " parent_name varchar, current_unit_code varchar, valid_to date, is_current boolean",
            keep[["unit_key", "unit_name", "name_key", "unit_type", *_VERSION_ATTRS[2:], "is_current"]].astype(object),
        )
        conn.exec_driver_sql(
            "update dim_unit set unit_name = s.unit_name, name_key = s.name_key, unit_type = s.unit_type,"
            " parent_code = s.parent_code, parent_name = s.parent_name, current_unit_code = s.current_unit_code,"
            " valid_to = s.valid_to, is_current = s.is_current from stage_unit as s where dim_unit.unit_key = s.unit_key"
        )
        conn.exec_driver_sql("drop table stage_unit")
    dest.bulk_insert(conn, "dim_unit", merged.loc[fresh, cols].astype(object))
    conn.exec_driver_sql("delete from bridge_unit_succession")
    dest.bulk_insert(conn, "bridge_unit_succession", history.succession)
    return merged, affected


def unit_keys(conn: Connection) -> pd.DataFrame:
    """The versions' keys as ``sync_units`` returns them, when the reference data did not change."""
    keys = query_frame(conn, "select unit_code, valid_from, unit_key from dim_unit")
    start = pd.to_datetime(keys["valid_from"]).dt.date
    return keys.assign(start=start.astype(object).where(start.notna(), _NEVER))


def _chain(code: str, nxt: dict[str, set[str]]) -> set[str]:
    """The code and every unit its figures may pass to."""
    out, todo = {code}, [code]
    while todo:
        more = nxt.get(todo.pop(), set()) - out
        out |= more
        todo += list(more)
    return out


def drop_versions(conn: Connection, versions: pd.DataFrame) -> None:
    """Versions the reference data no longer has (nothing points at them any more)."""
    stmt = sa.text("delete from dim_unit where unit_key not in :keys").bindparams(sa.bindparam("keys", expanding=True))
    conn.execute(stmt, {"keys": [int(k) for k in versions["unit_key"]] or [-1]})


def version_keys(history: UnitHistory, versions: pd.DataFrame, codes: pd.Series, months: pd.Series) -> pd.DataFrame:
    """Placement of figures (see ``pdv.history.place``) with the dim_unit key of the version."""
    placed = place(history, codes, months)
    keyed = placed.reset_index().merge(
        versions[["unit_code", "start", "unit_key"]],
        left_on=["unit_code", "valid_from"],
        right_on=["unit_code", "start"],
        how="left",
    )
    out = keyed.set_index("index").reindex(placed.index)
    out["unit_key"] = out["unit_key"].astype("Int64")
    return out


def hold_targets(conn: Connection, dest: Destination, history: UnitHistory) -> None:
    """Who holds each yearly target when: the annex in force, passed on along the change list."""
    annex = query_frame(
        conn,
        "select unit_code, year,"
        " coalesce(max(case when source = 'total' then target end), 0) as target_total,"
        " coalesce(max(case when source = 'youth' then target end), 0) as target_youth,"
        " coalesce(max(case when source = 'union' then target end), 0) as target_union"
        " from fact_target where is_current group by unit_code, year",
    )
    conn.exec_driver_sql("delete from fact_target_held")
    dest.bulk_insert(conn, "fact_target_held", history.held_targets(annex))
