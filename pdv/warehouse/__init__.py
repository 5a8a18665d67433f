"""The warehouse: one interface, one module per destination (DuckDB, PostgreSQL)."""

from __future__ import annotations

from pdv.warehouse.base import Destination


def destination_for(url: str) -> Destination:
    """The destination implementation for a SQLAlchemy URL."""
    if url.startswith("duckdb"):
        from pdv.warehouse.duckdb import DuckDBDestination

        return DuckDBDestination(url)
    if url.startswith("postgresql"):
        from pdv.warehouse.postgres import PostgresDestination

        return PostgresDestination(url)
    raise ValueError(f"unsupported warehouse URL {url!r}: use duckdb:///FILE or postgresql+psycopg://…")


__all__ = ["Destination", "destination_for"]
