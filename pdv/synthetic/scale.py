"""Deterministic generator of synthetic inputs at scale: a bloc, a province, the whole country.

```python
from pdv.synthetic.scale import generate_scale
result = generate_scale(Path("bench/work/national/raw"), "national", seed=2024)
```
or ``pdv demo-data --scale national`` (default output ``bench/work/<scale>/raw``).

Unlike ``pdv.synthetic.demo`` (55 real units, every format variation, deliberate flaws), this module writes
*clean* inputs of a given size, fast: every step is vectorised with numpy/pandas over whole arrays
(no Python loop per unit or per person, except for the ``files5000`` workbooks, one per file).
What it writes into the raw directory is a complete input set the pipeline accepts:

* ``reference/units.csv``: N synthetic grass-roots party organisations (codes like ``GL00042``,
  Vietnamese names unique across the country: an institution, its commune or ward, its province)
  spread over the 34 provinces and cities; ``reference/unit_aliases.csv`` (header only);
* ``plan/<no>.txt``: a plan document as the board receives it (text copied from Word) for two years
  (like Plan 104-KH/ĐUK): number, date, years, the yearly target (each year's annex total), the
  minimum youth share (70%), and the annex of per-unit targets for both years as tab-separated rows
  with the two-level header repeated after each "page" of 50 rows and a closing total row. The
  pipeline reads targets only from an annex, so the annex is N rows long (about 6 MB at national
  scale, well under ``PDV_MAX_FILE_BYTES``);
* ``reports/<year>/<MM>/``: for the consolidated scales one summary CSV and one roster CSV per
  province and month (``GL_T03-2024_BM1.csv`` / ``_BM2.csv``: UTF-8 with BOM, the form's headers,
  unit code and name on every row, the fast path); for ``files5000`` one single-unit ``.xlsx``
  workbook (sheets TongHop and DanhSach) per unit and month.

Reports cover the plan's first year; January of the second is simulated too and, when asked for
(``next_dir``), written apart: the "new month" of the incremental benchmark.

The numbers are consistent, so a correct pipeline reports no issue at all: admitted_total =
youth + union; every admission has one roster row (youth rows = admitted_youth); national ids are
unique 12-digit numbers (province code, century/gender digit, birth year, serial); ages at
admission are 18-59 (counted in months); admission dates fall in the report's month; reports are
dated from the last days of the month to the 20th of the next, mostly by the 5th. About 1% of
unit-months without admissions are not reported at all (no row), as in real collections.

Sizes (``SCALES``): national 52,000 units x 12 months = about 624,000 summary rows and about
200,000 admissions (3.85 admissions per unit and year everywhere); province 1,000 units; bloc 55;
files5000 1,000 units x 5 months = 5,000 single-unit workbooks. A file ``.scale.json`` (ignored by
the pipeline) is written last with the parameters and counts: its presence means a complete set.
"""

from __future__ import annotations

import io
import json
import shutil
import time
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field, replace
from datetime import date, datetime
from pathlib import Path
from typing import cast

import numpy as np
import pandas as pd

from pdv.settings import PROJECT_ROOT
from pdv.synthetic.demo import ROSTER_COLUMNS, ROSTER_HEADERS, SUMMARY_COLUMNS, SUMMARY_HEADERS

YEAR = 2024
MARKER = ".scale.json"
ADMISSIONS_PER_UNIT = 200_000 / 52_000  # national admissions a year per grass-roots organisation


@dataclass(frozen=True)
class Scale:
    """What to generate: how many units in how many provinces, which months, which file layout."""

    name: str
    units: int
    provinces: int = 1  # the first ``provinces`` of PROVINCES (by weight order)
    months: tuple[int, ...] = tuple(range(1, 13))
    layout: str = "consolidated"  # consolidated (CSV pairs per province-month) | single_xlsx (one per unit-month)
    admissions_per_unit: float = ADMISSIONS_PER_UNIT
    not_reported_share: float = 0.01  # of the unit-months without admissions: no report at all
    year: int = YEAR

    def __post_init__(self) -> None:
        if self.layout not in ("consolidated", "single_xlsx"):
            raise ValueError(f"unknown layout {self.layout!r}")
        if not 1 <= self.provinces <= len(PROVINCES) or self.units < self.provinces:
            raise ValueError(f"need 1..{len(PROVINCES)} provinces and at least one unit per province")
        if not self.months or any(not 1 <= m <= 12 for m in self.months):
            raise ValueError("months must be within 1..12")


@dataclass
class ScaleResult:
    raw_dir: Path
    scale: Scale
    seed: int
    units: int
    summary_rows: int
    roster_rows: int
    files: int
    bytes: int
    seconds: float
    admissions_by_month: dict[str, int] = field(default_factory=dict)

    def to_json(self) -> dict[str, object]:
        out = asdict(self)
        out["raw_dir"] = str(self.raw_dir)
        out["scale"] = asdict(self.scale)
        return out


# --------------------------------------------------------------------------------------------------
# Tables kept as data.
# --------------------------------------------------------------------------------------------------

# The 34 provinces and cities (since 1 July 2025): name, kind, code prefix, the 3-digit province
# code of the personal identification number, and a weight for the number of grass-roots units.
PROVINCES: tuple[tuple[str, str, str, str, float], ...] = (
    ("Gia Lai", "tỉnh", "GL", "064", 1.3),  # first: the home of the sample data (Bình Định merged into it)
    ("Hà Nội", "thành phố", "HN", "001", 3.4),
    ("Hồ Chí Minh", "thành phố", "HCM", "079", 3.6),
    ("Hải Phòng", "thành phố", "HP", "031", 1.6),
    ("Đà Nẵng", "thành phố", "DNG", "048", 1.0),
    ("Huế", "thành phố", "HUE", "046", 0.6),
    ("Cần Thơ", "thành phố", "CT", "092", 1.0),
    ("Lai Châu", "tỉnh", "LCH", "012", 0.4),
    ("Điện Biên", "tỉnh", "DB", "011", 0.5),
    ("Sơn La", "tỉnh", "SL", "014", 0.8),
    ("Lạng Sơn", "tỉnh", "LS", "020", 0.6),
    ("Quảng Ninh", "tỉnh", "QN", "022", 0.9),
    ("Thanh Hóa", "tỉnh", "TH", "038", 2.0),
    ("Nghệ An", "tỉnh", "NA", "040", 1.9),
    ("Hà Tĩnh", "tỉnh", "HT", "042", 0.9),
    ("Cao Bằng", "tỉnh", "CB", "004", 0.5),
    ("Tuyên Quang", "tỉnh", "TQ", "008", 1.0),
    ("Lào Cai", "tỉnh", "LCA", "015", 1.0),
    ("Thái Nguyên", "tỉnh", "TN", "019", 1.0),
    ("Phú Thọ", "tỉnh", "PT", "025", 1.9),
    ("Bắc Ninh", "tỉnh", "BN", "024", 1.5),
    ("Hưng Yên", "tỉnh", "HY", "033", 1.5),
    ("Ninh Bình", "tỉnh", "NB", "037", 1.6),
    ("Quảng Trị", "tỉnh", "QT", "044", 0.9),
    ("Quảng Ngãi", "tỉnh", "QNG", "051", 0.9),
    ("Khánh Hòa", "tỉnh", "KH", "056", 1.0),
    ("Lâm Đồng", "tỉnh", "LD", "068", 1.5),
    ("Đắk Lắk", "tỉnh", "DL", "066", 1.3),
    ("Đồng Nai", "tỉnh", "DNA", "075", 1.4),
    ("Tây Ninh", "tỉnh", "TNI", "072", 1.2),
    ("Vĩnh Long", "tỉnh", "VL", "086", 1.3),
    ("Đồng Tháp", "tỉnh", "DT", "087", 1.3),
    ("Cà Mau", "tỉnh", "CM", "096", 0.9),
    ("An Giang", "tỉnh", "AG", "089", 1.3),
)
# Commune and ward names: two syllables, as most are.
PLACE_FIRST = (
    "An", "Bình", "Tân", "Phước", "Hòa", "Long", "Thạnh", "Vĩnh", "Đông", "Tây", "Quảng", "Hưng",
    "Thuận", "Mỹ", "Phú", "Xuân", "Thanh", "Đức", "Hải", "Kim", "Cẩm", "Hương", "Sơn", "Nghĩa",
    "Hiệp", "Lộc", "Thái", "Trung", "Gia", "Cát", "Đại", "Tam", "Ngọc", "Hồng", "Yên", "Lạc",
    "Quang", "Minh", "Tiên", "Nhơn",
)  # fmt: skip
PLACE_SECOND = (
    "An", "Bình", "Phú", "Lợi", "Thành", "Hòa", "Sơn", "Hải", "Lộc", "Thịnh", "Hưng", "Tiến",
    "Phong", "Điền", "Khánh", "Mỹ", "Lâm", "Trung", "Tân", "Thuận", "Nghĩa", "Đông", "Tây", "Nam",
    "Bắc", "Xuân", "Hiệp", "Thạnh", "Long", "Quang", "Phước", "Hậu", "Định", "Hà", "Giang", "Yên",
    "Linh", "Vinh", "Cường", "Thọ",
)  # fmt: skip
# Institutions that have a grass-roots party organisation, with the organisation's type.
INSTITUTIONS: tuple[tuple[str, str], ...] = (
    ("Chi bộ", "Trường Mầm non"),
    ("Chi bộ", "Trường Tiểu học"),
    ("Chi bộ", "Trường Tiểu học số 2"),
    ("Chi bộ", "Trường Trung học cơ sở"),
    ("Chi bộ", "Trường Trung học cơ sở số 2"),
    ("Đảng bộ", "Trường Trung học phổ thông"),
    ("Chi bộ", "Trạm Y tế"),
    ("Đảng bộ", "Bệnh viện Đa khoa khu vực"),
    ("Chi bộ", "Công an"),
    ("Chi bộ", "Ban Chỉ huy Quân sự"),
    ("Đảng bộ", "Cơ quan Ủy ban nhân dân"),
    ("Chi bộ", "Cơ quan Mặt trận Tổ quốc và các đoàn thể"),
    ("Chi bộ", "Hợp tác xã Nông nghiệp"),
    ("Chi bộ", "Quỹ Tín dụng nhân dân"),
    ("Đảng bộ", "Công ty Cổ phần Đầu tư và Xây dựng"),
    ("Chi bộ", "Công ty TNHH Thương mại và Dịch vụ"),
    ("Chi bộ", "Bưu điện văn hóa"),
    ("Chi bộ", "Phòng Giao dịch Ngân hàng Chính sách xã hội"),
    ("Chi bộ", "Trung tâm Dịch vụ nông nghiệp"),
    ("Chi bộ", "Điện lực"),
    ("Chi bộ", "Ban Quản lý rừng phòng hộ"),
    ("Chi bộ", "Trung tâm Văn hóa - Thể thao"),
    ("Đảng bộ", "Khu công nghiệp"),
    ("Chi bộ", "Chi cục Thuế khu vực"),
)
UNITS_PER_COMMUNE = 15
WARD_SHARE = 0.3  # phường rather than xã
SURNAMES = {
    "Nguyễn": 31, "Trần": 11, "Lê": 9, "Phạm": 7, "Hoàng": 5, "Huỳnh": 4, "Phan": 4, "Vũ": 4,
    "Võ": 4, "Đặng": 2, "Bùi": 2, "Đỗ": 2, "Hồ": 2, "Ngô": 2, "Dương": 2, "Lý": 1, "Đinh": 2,
    "Trương": 2, "Mai": 1, "Đào": 1,
}  # fmt: skip
MINORITY_SURNAMES = ("Lò", "Hà", "Lường", "Vi", "Nông", "Hoàng", "Triệu", "Ksor", "Siu", "Thạch", "Danh", "Đinh")
MIDDLE = {
    "Nam": ("Văn", "Đức", "Minh", "Hữu", "Quốc", "Thanh", "Ngọc", "Công", "Xuân", "Tấn", "Trọng", "Duy", "Quang"),
    "Nữ": ("Thị", "Thị", "Thị Thu", "Thị Kim", "Ngọc", "Thanh", "Thị Mỹ", "Thị Thanh", "Thu", "Bảo", "Thị Hồng"),
}
GIVEN = {
    "Nam": (
        "Hùng", "Dũng", "Nam", "Tuấn", "Hải", "Long", "Phúc", "Khoa", "Huy", "Bình", "Thành", "Trung",
        "Hiếu", "Tâm", "Quân", "Đạt", "Sơn", "Vinh", "Lâm", "Khang", "Nhân", "Tài", "Thịnh", "Kiên",
    ),
    "Nữ": (
        "Lan", "Hương", "Trang", "Linh", "Hà", "Ngân", "Thảo", "Nhung", "Mai", "Hằng", "Yến", "Phương",
        "Vy", "Uyên", "Nhi", "Hạnh", "Ánh", "Duyên", "Hiền", "Oanh", "Thủy", "Hòa", "Quyên", "Trinh",
    ),
}  # fmt: skip
ETHNICITIES = {
    "Kinh": 85, "Tày": 2.5, "Thái": 2.5, "Mường": 2, "Khmer": 1.5, "Hoa": 1, "Nùng": 1.5,
    "H'Mông": 1, "Dao": 1, "Gia Rai": 0.7, "Ê Đê": 0.6, "Ba Na": 0.4, "Chăm": 0.3,
}  # fmt: skip
RELIGIONS = {"Không": 86, "Phật giáo": 8, "Công giáo": 4, "Cao Đài": 1, "Tin Lành": 1}
AGE_BANDS = ((18, 22, 12), (23, 27, 30), (28, 32, 27), (33, 37, 16), (38, 45, 11), (46, 59, 4))
# Share of the annual target a unit reaches: (weight, low, high), as in pdv.synthetic.demo.
PERFORMANCE = ((3, 1.05, 1.25), (3, 1.0, 1.0), (4, 0.65, 0.95), (1, 0.3, 0.5))
MONTH_WEIGHTS = np.array([0.9, 0.6, 1.1, 0.9, 1.2, 1.0, 0.8, 1.1, 1.0, 0.9, 1.1, 1.5])
ZERO_TARGET_SHARE = 0.1  # units with no candidate pool get no target
YOUTH_SOURCE, UNION_SOURCE = "Đoàn TN", "Công đoàn"
PLAN_NO = "15-KH/BTCTW"
PLAN_DATE = date(2024, 1, 10)

SCALES: dict[str, Scale] = {
    "bloc": Scale("bloc", 55),
    "province": Scale("province", 1_000),
    "national": Scale("national", 52_000, provinces=34),
    "files5000": Scale("files5000", 1_000, months=(1, 2, 3, 4, 5), layout="single_xlsx", not_reported_share=0.0),
}


def default_raw_dir(scale: str) -> Path:
    return PROJECT_ROOT / "bench" / "work" / scale / "raw"


# --------------------------------------------------------------------------------------------------
# Units and targets.
# --------------------------------------------------------------------------------------------------


def _split(total: int, weights: np.ndarray) -> np.ndarray:
    """``total`` split in proportion to ``weights`` (largest remainder), at least one each."""
    share = weights / weights.sum() * (total - len(weights))
    base = np.floor(share).astype(int)
    rest = total - len(weights) - int(base.sum())
    base[np.argsort(-(share - base), kind="stable")[:rest]] += 1
    return base + 1


def make_units(scale: Scale, rng: np.random.Generator) -> pd.DataFrame:
    """The registry with targets: unit_code, unit_type, unit_name, province, targets, performance."""
    provinces = PROVINCES[: scale.provinces]
    counts = _split(scale.units, np.array([p[4] for p in provinces]))
    frames = []
    n_pairs = len(PLACE_FIRST) * len(PLACE_SECOND)
    for p, ((name, kind, prefix, _, _), n) in enumerate(zip(provinces, counts, strict=True)):
        n = int(n)
        communes = max(1, -(-n // UNITS_PER_COMMUNE))
        picked = rng.choice(n_pairs, size=communes, replace=False)
        first = np.array(PLACE_FIRST, dtype=object)[picked // len(PLACE_SECOND)]
        second = np.array(PLACE_SECOND, dtype=object)[picked % len(PLACE_SECOND)]
        level = np.where(rng.random(communes) < WARD_SHARE, "phường", "xã").astype(object)
        commune_names = level + " " + first + " " + second
        slots = rng.choice(communes * len(INSTITUTIONS), size=n, replace=False)
        slots.sort()  # units listed commune by commune, as an annex would
        inst = slots % len(INSTITUTIONS)
        kinds = np.array([t for t, _ in INSTITUTIONS], dtype=object)[inst]
        label = np.array([i for _, i in INSTITUTIONS], dtype=object)[inst]
        frames.append(
            pd.DataFrame(
                {
                    "province": p,
                    "unit_code": [f"{prefix}{i:05d}" for i in range(1, n + 1)],
                    "unit_type": kinds,
                    "unit_name": label + " " + commune_names[slots // len(INSTITUTIONS)] + f" {kind} {name}",
                }
            )
        )
    units = pd.concat(frames, ignore_index=True)
    n = len(units)
    # Targets: larger for party committees; some units get none; scaled to the admissions wanted.
    big = (units["unit_type"] == "Đảng bộ").to_numpy()
    raw = np.where(big, rng.gamma(2.0, 4.0, n), rng.gamma(1.5, 2.0, n))
    raw[rng.random(n) < ZERO_TARGET_SHARE] = 0.0
    weights = np.array([w for w, _, _ in PERFORMANCE], dtype=float)
    mean_perf = float(np.dot(weights, [(lo + hi) / 2 for _, lo, hi in PERFORMANCE]) / weights.sum())
    wanted = scale.admissions_per_unit * n / mean_perf
    total = np.round(raw * wanted / max(raw.sum(), 1e-9)).astype(int)
    youth = np.minimum(total, np.round(total * rng.uniform(0.6, 1.0, n))).astype(int)
    band = rng.choice(len(PERFORMANCE), size=n, p=weights / weights.sum())
    low = np.array([lo for _, lo, _ in PERFORMANCE])[band]
    high = np.array([hi for _, _, hi in PERFORMANCE])[band]
    units["target_total"] = total
    units["target_youth"] = youth
    units["target_union"] = total - youth
    units["performance"] = rng.uniform(low, high)
    # The plan's second year: one in ten targets moves by one between units, the total stays the
    # plan's single yearly figure ("mỗi năm kết nạp N đảng viên").
    moved = max(1, n // 10)
    up = rng.choice(n, size=moved, replace=False)
    down = rng.permutation(np.flatnonzero(total > 1))[:moved]
    nxt = total.copy()
    np.add.at(nxt, up[: len(down)], 1)
    np.add.at(nxt, down, -1)
    share = np.where(total > 0, youth / np.maximum(total, 1), 0.8)
    units["next_total"] = nxt
    units["next_youth"] = np.minimum(nxt, np.round(nxt * share)).astype(int)
    units["next_union"] = nxt - units["next_youth"]
    return units


# --------------------------------------------------------------------------------------------------
# The ledger: one row per unit-month reported.
# --------------------------------------------------------------------------------------------------


def _weekday(days: np.ndarray) -> np.ndarray:
    """Dates moved off weekends (Saturday to Friday, Sunday to Monday)."""
    weekday = (days.astype("datetime64[D]").astype(np.int64) + 3) % 7  # 1970-01-01 was a Thursday
    return days - (weekday == 5).astype(np.int64) + (weekday == 6).astype(np.int64)


def periods(scale: Scale) -> list[tuple[int, int]]:
    """The months simulated: the whole year, then January of the next (the "new month" of the
    incremental benchmark, written apart: see ``generate_scale(next_dir=...)``)."""
    return [(scale.year, m) for m in range(1, 13)] + [(scale.year + 1, 1)]


def make_ledger(scale: Scale, units: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    """Summary rows (unit-months) with the six counts and the report date, vectorised over
    (unit, month) for every month of ``periods``; the caller keeps those it writes."""
    spans = periods(scale)
    n, k = len(units), len(spans)
    weights = np.array([MONTH_WEIGHTS[m - 1] for _, m in spans]) / MONTH_WEIGHTS.sum()
    target = units["target_total"].to_numpy()
    lam = np.where(target > 0, target * units["performance"].to_numpy(), 0.3)
    # Independent Poisson months are a Poisson year spread over the months by their weights.
    admitted = rng.poisson(lam[:, None] * weights[None, :])  # (n, k)
    share = np.where(target > 0, units["target_youth"].to_numpy() / np.maximum(target, 1), 0.8)
    youth = rng.binomial(admitted, share[:, None])
    recognized = rng.poisson((target * 0.85)[:, None] * weights[None, :])
    # Party-awareness courses: four months a year per province; graduates join the candidate pool.
    province = units["province"].to_numpy()
    trained = np.zeros_like(admitted)
    graduates = admitted[:, :12].sum(axis=1) + rng.poisson(1.0, n)
    for p in np.unique(province):
        rows = province == p
        course = np.sort(rng.choice(12, size=4, replace=False))
        trained[np.ix_(rows, course)] = rng.multinomial(graduates[rows], np.full(4, 0.25))
    dropouts = rng.binomial(1, 0.06, (n, k))
    change = np.cumsum(trained - admitted - dropouts, axis=1)
    pool = np.maximum(rng.poisson(2 + target / 2), -change.min(axis=1))
    sympathizers = pool[:, None] + change
    # Report dates: a few in the month's last days, most by the deadline (5th), some late.
    month_start = np.array([np.datetime64(date(y, m, 1)) for y, m in spans])
    next_start = np.array([np.datetime64(date(y + m // 12, m % 12 + 1, 1)) for y, m in spans])
    draw = rng.random((n, k))
    early = next_start[None, :] - rng.integers(1, 6, (n, k))
    on_time = next_start[None, :] + rng.integers(0, 5, (n, k))
    late = next_start[None, :] + rng.integers(5, 20, (n, k))
    late_share = rng.choice([0.03, 0.08, 0.15], size=n)[:, None]
    reported = np.where(draw < 0.12, early, np.where(draw < 1 - late_share, on_time, late))
    reported = np.maximum(_weekday(reported), month_start[None, :])
    keep = ~((admitted == 0) & (rng.random((n, k)) < scale.not_reported_share)).ravel()

    def flat(a: np.ndarray) -> np.ndarray:
        return a.ravel()[keep]

    return pd.DataFrame(
        {
            "unit": np.repeat(np.arange(n), k)[keep],
            "year": np.tile([y for y, _ in spans], n)[keep],
            "month": np.tile([m for _, m in spans], n)[keep],
            "admitted_total": flat(admitted),
            "admitted_youth": flat(youth),
            "admitted_union": flat(admitted - youth),
            "recognized_full": flat(recognized),
            "trained": flat(trained),
            "sympathizers": flat(sympathizers),
            "reported_on": flat(reported).astype("datetime64[ns]"),
        }
    )


# --------------------------------------------------------------------------------------------------
# People: one roster row per admission.
# --------------------------------------------------------------------------------------------------


def _pick(rng: np.random.Generator, table: Mapping[str, float] | Sequence[str], size: int) -> np.ndarray:
    names = np.array(list(table), dtype=object)
    if isinstance(table, Mapping):
        weights = np.array(list(table.values()), dtype=float)
        return names[rng.choice(len(names), size=size, p=weights / weights.sum())]
    return names[rng.integers(0, len(names), size)]


def make_persons(scale: Scale, units: pd.DataFrame, ledger: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    """Roster rows consistent with the ledger: admitted_total rows per unit-month, the first
    admitted_youth of them introduced by the Youth Union."""
    counts = ledger["admitted_total"].to_numpy()
    size = int(counts.sum())
    row = np.repeat(np.arange(len(ledger)), counts)
    position = np.arange(size) - np.repeat(np.cumsum(counts) - counts, counts)
    unit = ledger["unit"].to_numpy()[row]
    year = ledger["year"].to_numpy()[row]
    month = ledger["month"].to_numpy()[row]
    span = (year - scale.year) * 12 + month - 1  # index into periods(scale)
    province = units["province"].to_numpy()[unit]
    youth = position < ledger["admitted_youth"].to_numpy()[row]
    # Decisions at two standing-committee meetings a month per province.
    spans = periods(scale)
    first = rng.integers(5, 15, (scale.provinces, len(spans)))
    second = rng.integers(17, 29, (scale.provinces, len(spans)))
    month_start = np.array([np.datetime64(date(y, m, 1)) for y, m in spans])
    meeting = np.stack([month_start[None, :] + first - 1, month_start[None, :] + second - 1], axis=-1)
    meeting = _weekday(meeting)
    admitted_on = meeting[province, span, rng.integers(0, 2, size)]
    gender = np.where(rng.random(size) < 0.48, "Nữ", "Nam").astype(object)
    ethnicity = _pick(rng, ETHNICITIES, size)
    surname = np.where(ethnicity == "Kinh", _pick(rng, SURNAMES, size), _pick(rng, MINORITY_SURNAMES, size))
    female = gender == "Nữ"
    middle = np.where(female, _pick(rng, MIDDLE["Nữ"], size), _pick(rng, MIDDLE["Nam"], size))
    given = np.where(female, _pick(rng, GIVEN["Nữ"], size), _pick(rng, GIVEN["Nam"], size))
    band = rng.choice(len(AGE_BANDS), size=size, p=np.array([b[2] for b in AGE_BANDS]) / sum(b[2] for b in AGE_BANDS))
    age = rng.integers(np.array([b[0] for b in AGE_BANDS])[band], np.array([b[1] for b in AGE_BANDS])[band] + 1)
    # Born between age+1 years and age years before the first of the admission month: age in [age, age+1).
    anchor = pd.to_datetime(pd.DataFrame({"year": year - age, "month": month, "day": 1}))
    birth = (anchor - pd.to_timedelta(rng.integers(0, 331, size), unit="D")).to_numpy()
    birth_year = pd.DatetimeIndex(birth).year.to_numpy()
    # National ids: province code, century and gender digit, birth year, a serial unique in its group.
    prefix = np.array([p[3] for p in PROVINCES], dtype=object)[province]
    century = (birth_year >= 2000) * 2 + female
    group = pd.Series(prefix + century.astype(str) + pd.Series(birth_year % 100).map("{:02d}".format).to_numpy())
    codes, uniques = pd.factorize(group)
    offset = rng.integers(0, 10**6, len(uniques))[codes]
    serial = (group.groupby(group).cumcount().to_numpy() * 7919 + offset) % 10**6
    national_id = group.to_numpy() + pd.Series(serial).map("{:06d}".format).to_numpy()
    # Decision numbers: in date order within a province, with gaps for its other decisions.
    order = np.lexsort((position, unit, admitted_on.astype(np.int64), province))
    gaps = rng.integers(1, 4, size)[order]
    running = np.cumsum(gaps)
    starts = np.r_[0, np.flatnonzero(np.diff(province[order])) + 1]
    base = np.repeat(running[starts] - gaps[starts], np.diff(np.r_[starts, size]))
    number = np.empty(size, dtype=np.int64)
    number[order] = 100 + running - base
    persons = pd.DataFrame(
        {
            "row": row,
            "unit": unit,
            "year": year,
            "month": month,
            "full_name": surname + " " + middle + " " + given,
            "birth_date": birth.astype("datetime64[ns]"),
            "gender": gender,
            "ethnicity": ethnicity,
            "religion": _pick(rng, RELIGIONS, size),
            "national_id": national_id,
            "source": np.where(youth, YOUTH_SOURCE, UNION_SOURCE).astype(object),
            "admitted_on": admitted_on.astype("datetime64[ns]"),
            "decision_no": pd.Series(number).astype(str).to_numpy() + "-QĐ/TU",
        }
    )
    return persons.sort_values(["row", "admitted_on", "full_name"], kind="stable", ignore_index=True)


# --------------------------------------------------------------------------------------------------
# Writing the raw directory.
# --------------------------------------------------------------------------------------------------


def _dmy(s: pd.Series) -> pd.Series:
    return s.dt.strftime("%d/%m/%Y")


def write_reference(raw_dir: Path, units: pd.DataFrame) -> None:
    ref = raw_dir / "reference"
    ref.mkdir(parents=True, exist_ok=True)
    units[["unit_code", "unit_type", "unit_name"]].to_csv(
        ref / "units.csv", index=False, encoding="utf-8", lineterminator="\n"
    )
    (ref / "unit_aliases.csv").write_text("alias,unit_code,note\n", encoding="utf-8")


ANNEX_HEADER = (
    "STT\tĐơn vị\t\tChỉ tiêu phát triển đảng viên\t\t\t\t\t\n"
    "\t\t\tNăm {year}\t\t\tNăm {next}\t\t\n"
    "\t\t\tTổng cộng\tĐoàn viên thanh niên\tĐoàn viên công đoàn"
    "\tTổng cộng\tĐoàn viên thanh niên\tĐoàn viên công đoàn\n"
)
ANNEX_PAGE_ROWS = 50


def plan_text(scale: Scale, units: pd.DataFrame) -> str:
    """The plan as copied from Word: metadata the pipeline parses, then the annex of targets for the
    plan's two years (like Plan 104-KH/ĐUK), each year's total equal to the plan's yearly figure."""
    total = int(units["target_total"].sum())
    y1, y2 = scale.year, scale.year + 1
    where = "Gia Lai" if scale.provinces == 1 else "Hà Nội"
    d = PLAN_DATE
    head = (
        "BAN TỔ CHỨC\tĐẢNG CỘNG SẢN VIỆT NAM\n*\n"
        f"Số {PLAN_NO}\t{where}, ngày {d.day:02d} tháng {d.month:02d} năm {d.year}\n\n"
        f"KẾ HOẠCH\nphát triển đảng viên năm {y1} và năm {y2}\n\n"
        "(Dữ liệu tổng hợp để kiểm thử hiệu năng: các đơn vị, số liệu và con người đều là giả lập.)\n\n"
        "I- MỤC ĐÍCH, YÊU CẦU\n\n"
        "Nâng cao chất lượng kết nạp đảng viên, gắn với rà soát, sàng lọc đảng viên; trẻ hóa đội ngũ đảng viên.\n\n"
        "II- NỘI DUNG\n\n"
        f"1. Chỉ tiêu: Năm {y1} và năm {y2}, toàn Đảng bộ mỗi năm kết nạp {total} đảng viên mới. Trong đó, "
        "tỷ lệ đảng viên mới là đoàn viên thanh niên phấn đấu đạt từ 70% trở lên.\n\n"
        "2. Giao chỉ tiêu kết nạp đảng viên cụ thể cho các tổ chức cơ sở đảng (có danh sách kèm theo).\n\n"
        f"DANH SÁCH\nGIAO CHỈ TIÊU PHÁT TRIỂN ĐẢNG VIÊN NĂM {y1} VÀ NĂM {y2}\n"
        f"(Kèm theo Kế hoạch số {PLAN_NO}, ngày {d.day:02d}/{d.month:02d}/{d.year} của Ban Tổ chức)\n\n"
    )
    measures = ["target_total", "target_youth", "target_union", "next_total", "next_youth", "next_union"]
    lines = pd.Series(np.arange(1, len(units) + 1)).astype(str) + "\t" + units["unit_type"] + "\t" + units["unit_name"]
    for m in measures:
        lines = lines + "\t" + units[m].astype(str)
    rows = lines.tolist()
    header = ANNEX_HEADER.format(year=y1, next=y2)
    pages = ["\n".join(rows[i : i + ANNEX_PAGE_ROWS]) + "\n" for i in range(0, len(rows), ANNEX_PAGE_ROWS)]
    body = "\n".join(header + page for page in pages)
    sums = "\t".join(str(int(units[m].sum())) for m in measures)
    closing = f"\tTổng cộng\t\t{sums}\n\nGhi chú: Các đơn vị không còn nguồn quần chúng không giao chỉ tiêu.\n"
    return head + body + closing


def _summary_frame(units: pd.DataFrame, ledger: pd.DataFrame) -> pd.DataFrame:
    out = pd.DataFrame(
        {
            "unit_code": units["unit_code"].to_numpy()[ledger["unit"]],
            "unit_name": units["unit_name"].to_numpy()[ledger["unit"]],
            "period": (ledger["year"].astype(str) + "-" + ledger["month"].map("{:02d}".format)).to_numpy(),
            **{c: ledger[c].to_numpy() for c in SUMMARY_COLUMNS[3:9]},
            "reported_on": _dmy(ledger["reported_on"]).to_numpy(),
        }
    )
    return out[list(SUMMARY_COLUMNS)]


def _roster_frame(units: pd.DataFrame, persons: pd.DataFrame, dates: bool) -> pd.DataFrame:
    fmt = (lambda s: s.dt.date) if dates else _dmy
    out = persons.assign(
        unit_code=units["unit_code"].to_numpy()[persons["unit"]],
        unit_name=units["unit_name"].to_numpy()[persons["unit"]],
        birth_date=fmt(persons["birth_date"]),
        admitted_on=fmt(persons["admitted_on"]),
    )
    return out[list(ROSTER_COLUMNS)]


def _write_csv(path: Path, frame: pd.DataFrame, labels: Sequence[str]) -> int:
    buf = io.StringIO()
    frame.to_csv(buf, index=False, header=list(labels), lineterminator="\r\n")
    data = b"\xef\xbb\xbf" + buf.getvalue().encode("utf-8")  # UTF-8 with BOM: what Excel users send
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return len(data)


def _month_key(year: pd.Series | np.ndarray, month: pd.Series | np.ndarray) -> np.ndarray:
    return np.asarray(year) * 100 + np.asarray(month)


def write_consolidated(
    reports_dir: Path, scale: Scale, units: pd.DataFrame, ledger: pd.DataFrame, persons: pd.DataFrame
) -> tuple[int, int]:
    """One summary and one roster CSV per province and month of ``ledger``; returns (files, bytes)."""
    summary = _summary_frame(units, ledger)
    roster = _roster_frame(units, persons, dates=False)
    province = units["province"].to_numpy()
    s_key = province[ledger["unit"]] * 1_000_000 + _month_key(ledger["year"], ledger["month"])
    r_key = province[persons["unit"]] * 1_000_000 + _month_key(persons["year"], persons["month"])
    s_groups = {cast(int, k): v for k, v in summary.groupby(s_key, sort=True)}
    r_groups = {cast(int, k): v for k, v in roster.groupby(r_key, sort=True)}
    files = size = 0
    for year, month in sorted({(int(y), int(m)) for y, m in zip(ledger["year"], ledger["month"], strict=True)}):
        for p in range(scale.provinces):
            key = p * 1_000_000 + year * 100 + month
            stem = reports_dir / str(year) / f"{month:02d}" / f"{PROVINCES[p][2]}_T{month:02d}-{year}"
            if key in s_groups:
                size += _write_csv(stem.with_name(stem.name + "_BM1.csv"), s_groups[key], SUMMARY_HEADERS["std"])
                files += 1
            # A month without admissions still gets its roster file: the header only.
            frame = r_groups.get(key, roster.iloc[:0])
            size += _write_csv(stem.with_name(stem.name + "_BM2.csv"), frame, ROSTER_HEADERS["std"])
            files += 1
    return files, size


def _xlsx_bytes(summary: list[list[object]], roster: list[list[object]], stamp: datetime) -> bytes:
    from openpyxl import Workbook

    from pdv.xlsxio import workbook_bytes

    wb = Workbook(write_only=True)
    for title, labels, rows in (
        ("TongHop", SUMMARY_HEADERS["std"], summary),
        ("DanhSach", ROSTER_HEADERS["std"], roster),
    ):
        ws = wb.create_sheet(title)
        ws.append(list(labels))
        for r in rows:
            ws.append(r)
    wb.properties.creator = "pdv.scale (synthetic data)"  # unchanged by the move to pdv.synthetic
    return workbook_bytes(wb, stamp)


def write_single_xlsx(
    reports_dir: Path, scale: Scale, units: pd.DataFrame, ledger: pd.DataFrame, persons: pd.DataFrame
) -> tuple[int, int]:
    """One workbook per unit-month (the board's template: TongHop and DanhSach); returns (files, bytes)."""
    summary = _summary_frame(units, ledger)
    summary["reported_on"] = ledger["reported_on"].dt.date.to_numpy()
    roster = _roster_frame(units, persons, dates=True)
    # Persons point at ledger rows by position in the full ledger: map them to this ledger's rows.
    position = pd.Series(np.arange(len(ledger)), index=ledger.index)
    by_row: dict[int, list[list[object]]] = {}
    for r, values in zip(persons["row"].map(position), roster.itertuples(index=False, name=None), strict=True):
        by_row.setdefault(int(r), []).append(list(values))
    files = size = 0
    codes = summary["unit_code"].to_numpy()
    years, months = ledger["year"].to_numpy(), ledger["month"].to_numpy()
    for i, values in enumerate(summary.itertuples(index=False, name=None)):
        year, month = int(years[i]), int(months[i])
        path = reports_dir / str(year) / f"{month:02d}" / f"{codes[i]}_T{month:02d}-{year}.xlsx"
        data = _xlsx_bytes([list(values)], by_row.get(i, []), datetime.combine(values[-1], datetime.min.time()))
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        files += 1
        size += len(data)
    return files, size


def generate_scale(
    raw_dir: Path, scale: Scale | str, seed: int = 2024, clean: bool = False, next_dir: Path | None = None
) -> ScaleResult:
    """Write a complete raw directory (reference, plan, reports) for ``scale``; same seed, same data.

    With ``next_dir``, January of the following year (the plan's second year) is also written, as
    ``next_dir/reports/<year+1>/01/...``: the new month of the incremental benchmark. The files of
    the raw directory are the same with or without it.
    """
    started = time.perf_counter()
    spec = SCALES[scale] if isinstance(scale, str) else scale
    raw_dir = Path(raw_dir)
    for folder in (raw_dir, next_dir):
        if folder is None:
            continue
        if clean and folder.exists():
            shutil.rmtree(folder)
        if folder.exists() and any(folder.iterdir()):
            raise FileExistsError(f"{folder} is not empty (use clean=True / --clean)")
    rng = np.random.default_rng([seed, spec.units, spec.provinces])
    units = make_units(spec, rng)
    ledger = make_ledger(spec, units, rng)
    persons = make_persons(spec, units, ledger, rng)
    persons["row"] = ledger.index.to_numpy()[persons["row"]]
    write_reference(raw_dir, units)
    plan = raw_dir / "plan" / f"{PLAN_NO.replace('/', '_')}.txt"
    plan.parent.mkdir(parents=True, exist_ok=True)
    plan.write_text(plan_text(spec, units), encoding="utf-8")
    writer = write_consolidated if spec.layout == "consolidated" else write_single_xlsx
    this_year = (ledger["year"] == spec.year) & ledger["month"].isin(spec.months)
    chosen = persons["row"].isin(ledger.index[this_year])
    files, size = writer(raw_dir / "reports", spec, units, ledger[this_year], persons[chosen])
    if next_dir is not None:
        following = (ledger["year"] == spec.year + 1) & (ledger["month"] == 1)
        writer(
            Path(next_dir) / "reports",
            spec,
            units,
            ledger[following],
            persons[persons["row"].isin(ledger.index[following])],
        )
    by_month = ledger[this_year].groupby("month")["admitted_total"].sum()
    result = ScaleResult(
        raw_dir=raw_dir,
        scale=spec,
        seed=seed,
        units=len(units),
        summary_rows=int(this_year.sum()),
        roster_rows=int(chosen.sum()),
        files=files,
        bytes=size,
        seconds=round(time.perf_counter() - started, 2),
        admissions_by_month={f"{spec.year}-{m:02d}": int(v) for m, v in by_month.items()},
    )
    (raw_dir / MARKER).write_text(json.dumps(result.to_json(), indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    if next_dir is not None:
        (Path(next_dir) / MARKER).write_text(json.dumps({"seed": seed, "scale": spec.name}) + "\n", encoding="utf-8")
    return result


def read_marker(raw_dir: Path) -> dict[str, object] | None:
    """The parameters and counts of a complete generated set, or None."""
    try:
        data = json.loads((Path(raw_dir) / MARKER).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def custom_scale(
    name: str, units: int, provinces: int = 1, months: Sequence[int] = range(1, 13), **kw: object
) -> Scale:
    """A scale other than ``SCALES`` (tests, experiments)."""
    return replace(Scale(name, units, provinces), months=tuple(months), **kw)  # type: ignore[arg-type]
