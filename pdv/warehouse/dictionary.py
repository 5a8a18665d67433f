"""The BI data dictionary: one YAML file beside each view in ``sql/views/``.

It is applied as ``COMMENT ON`` in both databases and rendered to ``docs/data-dictionary.md``
(``python -m pdv.warehouse.dictionary``); a test keeps the rendered file in sync.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml

from pdv.settings import PROJECT_ROOT

VIEWS_DIR = PROJECT_ROOT / "sql" / "views"
DOC = PROJECT_ROOT / "docs" / "data-dictionary.md"


@dataclass(frozen=True)
class ViewDoc:
    view: str
    description: str
    columns: dict[str, str]


def view_docs() -> list[ViewDoc]:
    """Every view's description and column descriptions, in view order."""
    docs = []
    for path in sorted(VIEWS_DIR.glob("*.yml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        docs.append(ViewDoc(data["view"], " ".join(str(data["description"]).split()), dict(data["columns"])))
    return docs


def _quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def comment_statements() -> list[str]:
    """``COMMENT ON`` statements for every view and column (DuckDB and PostgreSQL accept both forms)."""
    out = []
    for doc in view_docs():
        out.append(f"comment on view {doc.view} is {_quote(doc.description)}")
        out += [f"comment on column {doc.view}.{c} is {_quote(str(d))}" for c, d in doc.columns.items()]
    return out


def render() -> str:
    """The data dictionary as Markdown."""
    lines = [
        "# Data dictionary (BI views)",
        "",
        "Generated from `sql/views/*.yml` by `python -m pdv.warehouse.dictionary`; the same text is in the",
        "databases as `COMMENT ON`. None of these views exposes personal data.",
        "",
    ]
    for doc in view_docs():
        lines += [f"## `{doc.view}`", "", doc.description, "", "| column | description |", "|---|---|"]
        lines += [f"| `{c}` | {str(d).replace('|', '/')} |" for c, d in doc.columns.items()]
        lines.append("")
    return "\n".join(lines)


if __name__ == "__main__":
    DOC.parent.mkdir(exist_ok=True)
    DOC.write_text(render(), encoding="utf-8")
    print(f"wrote {Path(DOC).relative_to(PROJECT_ROOT)}")
