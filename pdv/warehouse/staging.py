"""Temporary tables of a run's transaction, filled through the destination's bulk path."""

from __future__ import annotations

import pandas as pd
from sqlalchemy.engine import Connection

from pdv.warehouse.base import Destination

# Whether row {t} is in a unit-month the run touched (``stage_touched``, made by the load's settling step).
TOUCHED = "exists (select 1 from stage_touched t where t.unit_key = {t}.unit_key and t.period_month = {t}.period_month)"


def stage(conn: Connection, dest: Destination, name: str, like: str, frame: pd.DataFrame) -> None:
    """A temporary table shaped like ``like``, filled with ``frame`` (dropped first if a step left it)."""
    conn.exec_driver_sql(f"drop table if exists {name}")
    conn.exec_driver_sql(f"create temporary table {name} as select * from {like} limit 0")
    dest.bulk_insert(conn, name, frame)


def stage_frame(conn: Connection, dest: Destination, name: str, columns: str, frame: pd.DataFrame) -> None:
    """A temporary table with ``columns`` (SQL), filled with ``frame``."""
    conn.exec_driver_sql(f"drop table if exists {name}")
    conn.exec_driver_sql(f"create temporary table {name} ({columns})")
    dest.bulk_insert(conn, name, frame)
