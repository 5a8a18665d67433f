"""The DDL is applied once per version of ``sql/``: unchanged, a run skips it; changed, it is re-applied."""

from __future__ import annotations

import sqlalchemy as sa

from pdv.warehouse.base import Destination, ddl_statements


def _has_view(dest: Destination, name: str) -> bool:
    with dest.engine.connect() as conn:
        return name in sa.inspect(conn).get_view_names()


def test_unchanged_ddl_is_not_applied_again(dest: Destination) -> None:
    dest.create_schema()
    with dest.engine.begin() as conn:
        conn.exec_driver_sql("drop view v_dq_issues")
    dest.create_schema()  # the recorded digest matches: nothing is executed
    assert not _has_view(dest, "v_dq_issues")


def test_changed_ddl_is_applied(dest: Destination) -> None:
    dest.create_schema()
    with dest.engine.begin() as conn:
        conn.exec_driver_sql("drop view v_dq_issues")
        conn.exec_driver_sql("update schema_digest set digest = 'an older sql/ folder'")
    dest.create_schema()
    assert _has_view(dest, "v_dq_issues")
    with dest.engine.connect() as conn:
        assert conn.exec_driver_sql("select count(*) from schema_digest").scalar_one() == 1
    assert any("schema_digest" in s for s in ddl_statements())
