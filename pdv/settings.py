"""One settings object for the whole pipeline (environment variables prefixed ``PDV_``)."""

from __future__ import annotations

import hashlib
import re
from functools import cached_property
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class Settings(BaseSettings):
    """Paths and connection settings; every field can be overridden by a CLI option."""

    model_config = SettingsConfigDict(env_prefix="PDV_", extra="ignore")

    raw_dir: Path = Field(PROJECT_ROOT / "data" / "raw", description="Input directory (read only).")
    warehouse_dir: Path = Field(
        PROJECT_ROOT / "data" / "warehouse", description="Where everything the pipeline makes goes."
    )
    warehouse_url: str = Field(
        "", description="SQLAlchemy URL of the warehouse; default: DuckDB file in warehouse_dir."
    )
    id_hash_key: str = Field(
        "pdv-development-key-not-for-production",
        description="Secret key for hashing national ids (set PDV_ID_HASH_KEY in production).",
    )
    report_deadline_day: int = Field(5, description="Reports are due by this day of the next month.")
    max_file_bytes: int = Field(50 * 1024 * 1024, description="Input files larger than this are rejected.")
    max_sheet_cells: int = Field(2_000_000, description="Sheets with more cells than this are rejected.")
    orchestrator: str = Field(
        "local",
        description="Without PREFECT_API_URL: 'local' keeps one local Prefect server running between runs "
        "(pdv/orchestrator.py); 'temporary' lets Prefect start its own server for each run.",
    )
    orchestrator_idle_minutes: float = Field(60, description="The local Prefect server stops after this idle time.")
    check_worker: bool = Field(
        False,
        description="Run the warehouse checkpoint in the warm Great Expectations worker kept beside the local "
        "orchestrator, when one answers (pdv/check_worker.py; `pdv run` on the local orchestrator sets it).",
    )
    orchestrator_start_seconds: float = Field(
        300, description="How long a run waits for the local Prefect server's first start (it migrates its database)."
    )
    extract_processes: int = Field(
        2, description="Worker processes rendering national extracts (above 500 units) during a run; 1: none."
    )
    duckdb_memory_limit: str = Field(
        "2GB", description="DuckDB's buffer limit for a run (a URL option memory_limit=… takes precedence)."
    )
    console_secret_key: str = Field(
        "", description="Signs the web console's session cookies; required when it listens beyond loopback."
    )
    console_max_upload_bytes: int = Field(10 * 1024 * 1024, description="Uploads larger than this are refused.")

    @cached_property
    def database_url(self) -> str:
        """The warehouse URL, defaulting to ``warehouse_dir/warehouse.duckdb``."""
        return self.warehouse_url or f"duckdb:///{self.warehouse_dir / 'warehouse.duckdb'}"

    @cached_property
    def outputs_dir(self) -> Path:
        """The folder of this warehouse's own files (extracts, feedback, Data Docs), under ``warehouse_dir``.

        Each warehouse gets its own, so a run of one never writes or deletes another's outputs: the default
        DuckDB file ``warehouse.duckdb`` owns ``warehouse_dir/warehouse/``; another DuckDB file owns a folder
        named after it (with a hash of its path when it lies elsewhere); a PostgreSQL database one named
        after its host, port and database.
        """
        return self.warehouse_dir / warehouse_label(self.database_url, self.warehouse_dir)

    @property
    def feedback_dir(self) -> Path:
        return self.outputs_dir / "feedback"

    @property
    def extracts_dir(self) -> Path:
        return self.outputs_dir / "extracts"

    @property
    def gx_dir(self) -> Path:
        return self.outputs_dir / "gx"

    @property
    def console_dir(self) -> Path:
        """The web console's own state: accounts and audit, upload staging, read snapshots."""
        return self.outputs_dir / "console"

    @property
    def reference_dir(self) -> Path:
        return self.raw_dir / "reference"


def warehouse_label(url: str, warehouse_dir: Path) -> str:
    """A file-system-safe name for the warehouse at ``url`` (see ``Settings.outputs_dir``)."""
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    if parts.scheme.startswith("duckdb"):
        path = Path(parts.path[1:] if parts.path.startswith("/") else parts.path)
        label = _safe(path.stem) or "warehouse"
        if path.resolve().parent != warehouse_dir.resolve():
            label += "-" + hashlib.sha256(str(path.resolve()).encode()).hexdigest()[:8]
        return label
    host = parts.hostname or "localhost"
    return _safe(f"pg-{host}-{parts.port or 5432}-{parts.path.lstrip('/') or 'postgres'}")


def _safe(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "_", text).strip("._")[:80]


def get_settings(**overrides: object) -> Settings:
    """Settings from the environment, with non-None ``overrides`` (CLI options) on top."""
    return Settings(**{k: v for k, v in overrides.items() if v is not None})  # type: ignore[arg-type]
