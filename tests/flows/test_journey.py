"""The flow reads like the data's journey: each load stage is a named task run inside the load's task."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId
from prefect.client.schemas.sorting import TaskRunSort

from pdv.settings import PROJECT_ROOT, Settings
from pdv.warehouse.load import STAGES


def _task_names(flow_run_id: object) -> list[str]:
    with get_client(sync_client=True) as client:
        runs = client.read_task_runs(
            flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[flow_run_id])),
            sort=TaskRunSort.EXPECTED_START_TIME_ASC,
        )
    return [r.name.rsplit("-", 1)[0] for r in runs]  # "settle-a1b" → "settle"


@pytest.mark.usefixtures("prefect_harness")
def test_each_load_stage_is_a_task_run_in_order(raw_dir: Path, tmp_path: Path) -> None:
    import flows.pipeline as fp

    shutil.copytree(PROJECT_ROOT / "data" / "raw" / "reports" / "2024" / "02", raw_dir / "reports" / "2024" / "02")
    settings = Settings(raw_dir=raw_dir, warehouse_dir=tmp_path / "wh")
    state = fp.pipeline(settings, return_state=True)
    assert state.is_completed()
    names = _task_names(state.state_details.flow_run_id)
    stages = [s.__name__.replace("_", "-") for s in STAGES]
    assert [n for n in names if n in stages] == stages
    load = names.index("load_warehouse")
    assert names.index(stages[0]) > load  # inside the load's task, after it started
    assert names.index("write_extracts") > names.index(stages[-1])
