"""Random cell text (any Unicode, markup, controls) through reading, issues, feedback and extracts.

Nothing may crash, the terminal table shows no control character, JSON keeps the text exactly, and
the extract page never carries text with ``<`` unescaped. A modest example count keeps it quick.
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import tempfile
from pathlib import Path

import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from pdv.cli import Format, frame_records, print_issues
from pdv.extracts.render import write_csv, write_html, write_xlsx
from pdv.feedback import write_feedback
from pdv.ingest import classify_paths, read_batch
from pdv.reference import UnitRegistry
from pdv.settings import PROJECT_ROOT, Settings
from pdv.sources.csvfile import read_csv
from pdv.termtext import strip_controls
from tests.data.hostile.make_hostile import SUMMARY
from tests.extracts.test_render import meta_for, sample

REGISTRY = UnitRegistry.load(PROJECT_ROOT / "data" / "raw" / "reference")
META = meta_for()
ROWS, MONTHLY = sample(META)
# Any character a UTF-8 file can hold (no lone surrogates), markup and escapes made likely.
TEXT = st.one_of(
    st.text(st.characters(exclude_categories=("Cs",)), max_size=30),
    st.sampled_from(
        ["[/] x", "[link=http://example.invalid]x[/link]", "\x1b[31mĐỏ\x1b[0m", "=1+2", "<script>x</script>"]
    ),
    st.from_regex(r"[\[\]\x1b\x00-\x1f<>&=+@ 0-9a-z]{0,20}", fullmatch=True),
)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(name=TEXT, period=TEXT, count=TEXT)
def test_random_cell_text_never_crashes(name: str, period: str, count: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        raw = root / "raw"
        (raw / "reports").mkdir(parents=True)
        buf = io.StringIO()
        csv.writer(buf, delimiter=";", lineterminator="\r\n").writerows(
            [
                SUMMARY,
                ["", name, period, count, 0, 0, 0, 0, 1, "04/04/2024"],
                ["STP", "", "03/2024", 0, 0, 0, 0, 0, 1, ""],
            ]
        )
        path = raw / "reports" / "fuzz.csv"
        path.write_bytes(buf.getvalue().encode("utf-8"))
        conf = Settings(raw_dir=raw, warehouse_dir=root / "wh")
        [parsed] = read_batch(classify_paths([path], raw), conf, None, REGISTRY, [2024, 2025])
        issues = parsed.findings.assign(status="open")
        assert not issues["message_en"].str.contains("unexpected").any(), issues["message_en"].tolist()

        table, as_json = io.StringIO(), io.StringIO()
        _print(issues, Format.table, table)
        _print(issues, Format.json, as_json)
        assert strip_controls(table.getvalue()) == table.getvalue().replace("\t", " ")
        records = json.loads(as_json.getvalue())
        assert [r["value"] for r in records] == [None if pd.isna(v) else v for v in issues["value"]]
        issues.to_csv(root / "issues.csv", index=False)
        assert len(pd.read_csv(root / "issues.csv", dtype=str, keep_default_na=False)) == len(issues)

        sheets = [read_csv(path, conf)] if parsed.readable else []
        out = write_feedback(root / "fb.xlsx", issues, sheets=sheets, header_cols=parsed.header_cols)
        load_workbook(out).close()

        rows = ROWS.copy()
        rows.loc[rows.index[0], "unit_name"] = name
        write_csv(root / "x.csv", rows, META)
        write_xlsx(root / "x.xlsx", rows, META)
        write_html(root / "x.html", rows, MONTHLY, META)
        html = (root / "x.html").read_text(encoding="utf-8")
        if "<" in name.strip():
            assert name.strip() not in html


def _print(issues: pd.DataFrame, fmt: Format, sink: io.StringIO) -> None:
    # rich's Console writes to whatever sys.stdout is when it prints.
    with contextlib.redirect_stdout(sink), contextlib.redirect_stderr(io.StringIO()):
        print_issues(frame_records(issues), fmt)
