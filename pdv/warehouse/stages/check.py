"""Stage 5, check: the Great Expectations checkpoint on what the run changed (or on every row)."""

from __future__ import annotations

import pandas as pd

from pdv.findings import to_frame
from pdv.warehouse.stages.state import LoadState


def check(state: LoadState) -> None:
    """Every row when asked (``full_check``) or when the plan or the reference data changed.

    Only a full check re-checks the scope ``warehouse``, so only it resolves the issues it no longer finds.
    """
    if state.quality is None:
        return
    full = state.full_check or state.summary.changed_months is None
    findings = to_frame(state.quality(state.conn, full)).assign(scope="warehouse")
    state.found(findings, pd.DataFrame({"scope": ["warehouse"], "resolver": [None]}) if full else None)
