"""One settings object for the whole pipeline (environment variables prefixed ``PDV_``)."""

from __future__ import annotations

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
    console_secret_key: str = Field(
        "", description="Signs the web console's session cookies; required when it listens beyond loopback."
    )
    console_max_upload_bytes: int = Field(10 * 1024 * 1024, description="Uploads larger than this are refused.")

    @cached_property
    def database_url(self) -> str:
        """The warehouse URL, defaulting to ``warehouse_dir/warehouse.duckdb``."""
        return self.warehouse_url or f"duckdb:///{self.warehouse_dir / 'warehouse.duckdb'}"

    @property
    def feedback_dir(self) -> Path:
        return self.warehouse_dir / "feedback"

    @property
    def extracts_dir(self) -> Path:
        return self.warehouse_dir / "extracts"

    @property
    def console_dir(self) -> Path:
        """The web console's own state: accounts and audit, upload staging, read snapshots."""
        return self.warehouse_dir / "console"

    @property
    def reference_dir(self) -> Path:
        return self.raw_dir / "reference"


def get_settings(**overrides: object) -> Settings:
    """Settings from the environment, with non-None ``overrides`` (CLI options) on top."""
    return Settings(**{k: v for k, v in overrides.items() if v is not None})  # type: ignore[arg-type]
