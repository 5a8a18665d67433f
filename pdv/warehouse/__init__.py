"""The warehouse: one interface, one module per destination (DuckDB, PostgreSQL)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
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


def __getattr__(name: str) -> Any:
    # ``Destination`` imported on first use: the quick commands (pdv issues) never load SQLAlchemy or pandas.
    if name == "Destination":
        from pdv.warehouse.base import Destination

        return Destination
    raise AttributeError(name)


__all__ = ["Destination", "destination_for"]
