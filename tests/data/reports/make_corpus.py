"""Regenerate the monthly-report test corpus in this directory.

    .venv/bin/python tests/data/reports/make_corpus.py

Every sample is small and synthetic (invented names and ids). Workbooks are written with openpyxl,
then re-zipped with fixed timestamps so the bytes are reproducible; CSV files are written with
explicit encodings. The tests read the committed files, never this script's output directly.

ok_*        valid variations (sheet names, titles, two-level header, aliases, spellings, totals)
csv_*       the same summary/roster in UTF-8 with/without BOM, UTF-16 LE, Windows-1258; line numbers
err_*       one flawed row per rule, the Excel row written beside it in this script
cross_*     roster against summary (rows across tables)
dup_*       one person admitted in several files (read together)
bad_*       whole files rejected: unreadable, unsupported, empty, no header, too large, zip bombs
f11_*       format 1.1: .xls/.ods twins (written by LibreOffice; their bytes vary between runs), TCVN3/VNI text, form furniture,
            ids through Excel, an empty roster sheet, admissions in both arrival orders
"""

from __future__ import annotations

import csv
import os
import random
import re
import shutil
import subprocess
import tempfile
import unicodedata
import zipfile
from collections.abc import Callable, Sequence
from datetime import date, datetime
from pathlib import Path
from typing import Any

os.environ.setdefault("OPENPYXL_LXML", "False")  # the bytes pdv writes, lxml installed or not

import openpyxl
from openpyxl.styles import Border, Font, Side

from pdv.synthetic.demo import ROSTER_HEADERS, SUMMARY_HEADERS

HERE = Path(__file__).resolve().parent
FIXED_TIME = (2024, 1, 1, 0, 0, 0)

# The template's headers, spelled once (the sample generator's standard layout).
SUMMARY = list(SUMMARY_HEADERS["std"])
ROSTER = list(ROSTER_HEADERS["std"])
SYT = ("SYT", "Sở Y tế tỉnh Bình Định")
STP = ("STP", "Sở Tư pháp tỉnh Bình Định")
THIN = Side(style="thin")
BOXED = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)

Rows = Sequence[Sequence[Any]]


# ---------------------------------------------------------------------------------------- helpers


def nfd(text: str) -> str:
    return unicodedata.normalize("NFD", text)


def add_sheet(wb: openpyxl.Workbook, title: str, rows: Rows, merges: Sequence[str] = ()) -> Any:
    """A sheet with ``rows`` from A1 (None = empty cell), cells merged as given."""
    ws = wb.create_sheet(title)
    for row in rows:
        ws.append(list(row))
    for ref in merges:
        ws.merge_cells(ref)
    return ws


def new_workbook() -> openpyxl.Workbook:
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    wb.properties.creator = "pdv tests"
    wb.properties.created = wb.properties.modified = datetime(2024, 1, 1)
    return wb


def save(wb: openpyxl.Workbook, name: str, patch: Callable[[str, bytes], bytes] | None = None) -> Path:
    """Save, then re-zip with fixed timestamps (reproducible bytes); ``patch`` may edit parts."""
    path = HERE / name
    wb.save(path)
    rezip(path, patch)
    return path


def rezip(path: Path, patch: Callable[[str, bytes], bytes] | None = None) -> None:
    with zipfile.ZipFile(path) as zf:
        parts = [(info.filename, zf.read(info.filename)) for info in zf.infolist()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in parts:
            if name == "docProps/core.xml":  # openpyxl stamps the save time
                data = re.sub(rb"(<dcterms:modified[^>]*>)[^<]*", rb"\g<1>2024-01-01T00:00:00Z", data)
            if patch is not None:
                data = patch(name, data)
            zf.writestr(zipfile.ZipInfo(name, FIXED_TIME), data, zipfile.ZIP_DEFLATED)


def summary_workbook(name: str, rows: Rows, roster: Rows | None = None, sheet: str = "TongHop") -> Path:
    wb = new_workbook()
    add_sheet(wb, sheet, [SUMMARY, *rows])
    if roster is not None:
        add_sheet(wb, "DanhSach", [ROSTER, *roster])
    return save(wb, name)


def person(
    unit: tuple[str | None, str | None],
    full_name: str | None,
    birth: Any,
    national_id: Any,
    source: str,
    admitted: Any,
    decision: str,
    gender: str = "Nam",
    ethnicity: str = "Kinh",
    religion: str | None = "Không",
) -> list[Any]:
    return [*unit, full_name, birth, gender, ethnicity, religion, national_id, source, admitted, decision]


# Windows-1258 stores Vietnamese as a base letter (precomposed where the code page has it: â, ơ,
# ư, á, …) followed by a combining tone mark; Python's codec only encodes what the table holds, so
# compose it the way Windows does.
_TONES = "\u0300\u0301\u0303\u0309\u0323"


def encode_cp1258(text: str) -> bytes:
    out = bytearray()
    for ch in unicodedata.normalize("NFC", text):
        try:
            out += ch.encode("cp1258")
            continue
        except UnicodeEncodeError:
            pass
        parts = unicodedata.normalize("NFD", ch)
        base = unicodedata.normalize("NFC", "".join(c for c in parts if c not in _TONES))
        out += base.encode("cp1258") + "".join(c for c in parts if c in _TONES).encode("cp1258")
    return bytes(out)


def csv_text(rows: Rows, delimiter: str = ",") -> str:
    """CSV text with CRLF line ends (as Excel writes it); cells with delimiter/quote/newline quoted."""

    def cell(v: Any) -> str:
        s = "" if v is None else str(v)
        if any(c in s for c in (delimiter, '"', "\n")):
            s = '"' + s.replace('"', '""') + '"'
        return s

    return "".join(delimiter.join(cell(v) for v in row) + "\r\n" for row in rows)


# ------------------------------------------------------------------------------ valid variations


def ok_basic() -> None:
    """TongHop + DanhSach as in the template: one unit-month, Excel dates and numbers."""
    summary_workbook(
        "ok_basic.xlsx",
        [[*SYT, "2024-03", 2, 1, 1, 1, 3, 12, date(2024, 4, 3)]],
        [
            person(SYT, "Nguyễn Văn An", date(1995, 4, 12), "052095000101", "Đoàn TN", date(2024, 3, 15), "11-QĐ/ĐUK"),
            person(
                SYT,
                "Trần Thị Bích",
                date(1988, 11, 2),
                "052188000102",
                "Công đoàn",
                date(2024, 3, 20),
                "12-QĐ/ĐUK",
                gender="Nữ",
                ethnicity="Bana",
                religion="Công giáo",
            ),
        ],
    )


def ok_two_level() -> None:
    """Sheets "Tổng hợp"/"Danh sách", title rows, a merged two-level header, a blank row in the middle,
    a total row that adds up, a roster without unit column (inherits the unit), an id stored as a number."""
    wb = new_workbook()
    top = [
        "STT",
        "Mã đơn vị",
        "Tên đơn vị",
        "Kỳ báo cáo",
        "Kết nạp",
        None,
        None,
        "Công nhận đảng viên chính thức",
        "Học lớp bồi dưỡng nhận thức về Đảng",
        "Quần chúng cảm tình Đảng (cuối kỳ)",
        "Ngày báo cáo",
    ]
    low = [None] * 4 + ["Tổng số", "Đoàn viên thanh niên", "Đoàn viên công đoàn"] + [None] * 4
    ws = add_sheet(
        wb,
        "Tổng hợp",
        [
            ["ĐẢNG ỦY SỞ Y TẾ TỈNH BÌNH ĐỊNH"],
            ["BÁO CÁO KẾT QUẢ PHÁT TRIỂN ĐẢNG VIÊN"],
            ["(Tháng 3 và tháng 4 năm 2024)"],
            [],
            top,
            low,
            [1, *SYT, "2024-03", 1, 1, 0, 0, 2, 15, date(2024, 4, 2)],
            [],
            [2, *SYT, "2024-04", 1, 0, 1, 2, 0, 14, date(2024, 5, 3)],
            ["Tổng cộng", None, None, None, 2, 1, 1, 2, 2, 29, None],
        ],
        merges=["A1:K1", "A2:K2", "A3:K3", "E5:G5", "A10:D10"] + [f"{c}5:{c}6" for c in "ABCDHIJK"],
    )
    for row in ws.iter_rows(min_row=5, max_row=10):
        for c in row:
            c.border = BOXED
    ws["A5"].font = Font(bold=True)
    add_sheet(
        wb,
        "Danh sách",
        [
            ["DANH SÁCH ĐẢNG VIÊN MỚI KẾT NẠP"],
            [],
            [
                "Họ và tên",
                "Ngày sinh",
                "Giới tính",
                "Dân tộc",
                "Tôn giáo",
                "Số định danh cá nhân",
                "Đoàn thể giới thiệu",
                "Ngày kết nạp",
                "Số quyết định",
            ],
            [
                "Lê Văn Cường",
                date(1999, 7, 1),
                "Nam",
                "Kinh",
                "Không",
                "052099000201",
                "Đoàn TN",
                date(2024, 3, 8),
                "21-QĐ/ĐUK",
            ],
            # the id was typed as a number: Excel dropped its leading zero
            [
                "Đinh Thị Hoa",
                date(1990, 1, 30),
                "Nữ",
                "Hrê",
                "Không",
                52190000202,
                "Công đoàn",
                date(2024, 4, 10),
                "22-QĐ/ĐUK",
            ],
        ],
        merges=["A1:I1"],
    )
    save(wb, "ok_two_level.xlsx")


def ok_aliases() -> None:
    """Sheet "TONG HOP" and "danh sach", header aliases, unit by name only, dates as text, source variants."""
    wb = new_workbook()
    add_sheet(
        wb,
        "TONG HOP",
        [
            [
                "Đơn vị",
                "Tháng",
                "Tổng số kết nạp",
                "ĐVTN",
                "ĐVCĐ",
                "Công nhận chính thức",
                "Học lớp cảm tình Đảng",
                "Quần chúng cảm tình Đảng",
                "Ngày gửi",
            ],
            [STP[1], "Tháng 3/2024", 3, 2, 1, 0, 4, 9, "04/04/2024"],
        ],
    )
    add_sheet(
        wb,
        "danh sach",
        [
            [
                "Đơn vị",
                "Họ tên",
                "Ngày tháng năm sinh",
                "Giới tính",
                "Dân tộc",
                "Tôn giáo",
                "Số CCCD",
                "Nguồn giới thiệu",
                "Ngày kết nạp",
                "Số QĐ",
            ],
            [
                STP[1],
                "Phạm Minh Đức",
                "05/06/1998",
                "Nam",
                "Kinh",
                "Không",
                "052098000301",
                "ĐVTN",
                "2024-03-05",
                "31-QĐ/ĐUK",
            ],
            [
                STP[1],
                "Võ Thị Lan",
                "1996-02-29",
                "nữ",
                "Chăm",
                "Hồi giáo",
                "052196000302",
                "Đoàn thanh niên",
                "12/03/2024",
                "32-QĐ/ĐUK",
            ],
            [
                STP[1],
                "Hồ Văn Tâm",
                "20/10/1985",
                "NAM",
                "Kinh",
                "Phật giáo",
                " 052 085 000 303 ",
                "ĐVCĐ",
                "28/03/2024",
                "33-QĐ/ĐUK",
            ],
        ],
    )
    save(wb, "ok_aliases.xlsx")


def ok_consolidated() -> None:
    """Several units and months; every period spelling, numbers as floats and text, three date forms.
    No DanhSach sheet at all."""
    summary_workbook(
        "ok_consolidated.xlsx",
        [
            [*SYT, "2024-03", 2, 1, 1, 0, 1, 10, date(2024, 4, 2)],
            [*STP, "03/2024", 3.0, 2.0, 1.0, 1.0, 0.0, 8.0, "05/04/2024"],
            ["CHQ", "Cục Hải quan Bình Định", "3/2024", "05", "03", "02", "0", "1", "7", "2024-04-05"],
            [
                "BVPDLTU",
                "Bệnh viện Phong - Da liễu Trung ương Quy Hòa",
                "Tháng 3/2024",
                0,
                0,
                0,
                0,
                0,
                "1.000",
                date(2024, 4, 1),
            ],
            [
                "BVDK",
                "Bệnh viện Đa khoa tỉnh Bình Định",
                date(2024, 5, 15),
                1,
                1,
                0,
                0,
                0,
                3,
                datetime(2024, 6, 3, 9, 30),
            ],
            [*SYT, "2024-04", 0, 0, 0, 1, 0, 11, "06/05/2024"],
        ],
    )


def ok_unit_spellings() -> None:
    """A unit by code only, by name only and by variant spellings; an empty DanhSach sheet."""
    wb = new_workbook()
    add_sheet(
        wb,
        "TongHop",
        [
            SUMMARY,
            ["SGTVT", None, "2024-03", 0, 0, 0, 0, 0, 1, date(2024, 4, 1)],
            [None, nfd("Sở Tư pháp tỉnh Bình Định"), "2024-03", 0, 0, 0, 0, 0, 2, date(2024, 4, 1)],
            [None, "Bệnh viện Phong - Da liễu Trung ương Quy Hoà", "2024-03", 0, 0, 0, 0, 0, 3, date(2024, 4, 1)],
            [None, "CỤC  HẢI QUAN   BÌNH ĐỊNH", "2024-03", 0, 0, 0, 0, 0, 4, date(2024, 4, 1)],
            [None, "Cơ quan Tinh đoàn Bình Định", "2024-03", 0, 0, 0, 0, 0, 5, date(2024, 4, 1)],
            [None, "  Sở Y tế  tỉnh Bình Định ", "2024-03", 0, 0, 0, 0, 0, 6, date(2024, 4, 1)],
        ],
    )
    wb.create_sheet("DanhSach")  # no cells at all
    save(wb, "ok_unit_spellings.xlsx")


def ok_empty_roster() -> None:
    """Nobody admitted: DanhSach holds only its header row."""
    summary_workbook("ok_empty_roster.xlsx", [[*SYT, "2024-06", 0, 0, 0, 0, 2, 12, date(2024, 7, 1)]], [])


def ok_formula_cached() -> None:
    """Formulas WITH cached values (as Excel saves them) are read by their value."""
    wb = new_workbook()
    ws = add_sheet(
        wb,
        "TongHop",
        [
            SUMMARY,
            [*SYT, "2024-03", "=E2+F2", 1, 1, 0, 0, 5, date(2024, 4, 2)],
            [*STP, "2024-03", "=E3+F3", 2, 0, 0, 0, 6, date(2024, 4, 2)],
            ["Cộng", None, None, "=SUM(D2:D3)", "=SUM(E2:E3)", 1, 0, 0, 11, None],
        ],
    )
    assert ws["D2"].data_type == "f"
    cached = {b"D2": b"2", b"D3": b"2", b"D4": b"4", b"E4": b"3"}

    def patch(name: str, data: bytes) -> bytes:
        if name == "xl/worksheets/sheet1.xml":
            for ref, value in cached.items():
                head = b'<c r="' + ref + b'">'
                start = data.index(head)
                end = data.index(b"</c>", start)
                data = data[:start] + data[start:end].replace(b"<v />", b"<v>" + value + b"</v>") + data[end:]
        return data

    save(wb, "ok_formula_cached.xlsx", patch)


# ------------------------------------------------------------------------------------------ CSV

CSV_SUMMARY = [
    SUMMARY,
    [*SYT, "Tháng 3/2024", 2, 1, 1, 0, 1, 10, "03/04/2024"],
    ["VPUBND", "Văn phòng Ủy ban nhân dân tỉnh Bình Định", "03/2024", 1, 1, 0, 1, 0, 4, "2024-04-04"],
    ["TCDCDXD", "Trường Cao đẳng Cơ điện - Xây dựng và Nông lâm Trung bộ", "2024-03", 0, 0, 0, 0, 2, 5, "05/04/2024"],
]
CSV_ROSTER = [
    ROSTER,
    person(SYT, "Nguyễn Thị Thủy", "14/08/1997", "052197000401", "Đoàn TN", "18/03/2024", "41-QĐ/ĐUK", gender="Nữ"),
    person(SYT, "Huỳnh Quốc Việt", "01/12/1986", "052086000402", "Công đoàn", "25/03/2024", "42-QĐ/ĐUK"),
    person(
        ("VPUBND", "Văn phòng Ủy ban nhân dân tỉnh Bình Định"),
        "Đặng Ngọc Ánh",
        "1999-09-09",
        "052199000403",
        "ĐVTN",
        "2024-03-29",
        "43-QĐ/ĐUK",
        gender="Nữ",
        ethnicity="Chăm",
    ),
]
ENCODINGS: dict[str, Callable[[str], bytes]] = {
    "utf8_bom": lambda t: "\ufeff".encode() + t.encode("utf-8"),
    "utf8": lambda t: t.encode("utf-8"),
    "utf16": lambda t: t.encode("utf-16"),  # little-endian with BOM, as Excel's "Unicode Text"
    "cp1258": encode_cp1258,
}
DELIMITERS = {"utf8_bom": ",", "utf8": ";", "utf16": "\t", "cp1258": ","}


def csv_pairs() -> None:
    """The same summary and roster in each encoding (and the delimiter that goes with it)."""
    for enc, encode in ENCODINGS.items():
        delimiter = DELIMITERS[enc]
        for kind, rows in (("summary", CSV_SUMMARY), ("roster", CSV_ROSTER)):
            (HERE / f"csv_{kind}_{enc}.csv").write_bytes(encode(csv_text(rows, delimiter)))


def csv_lines() -> None:
    """CSV line numbers: title lines, a blank line, a quoted cell spanning two lines, then flaws."""
    summary = (
        "BÁO CÁO KẾT QUẢ PHÁT TRIỂN ĐẢNG VIÊN,,,,,,,,,\r\n"
        "\r\n"
        + csv_text([SUMMARY])
        + csv_text([["SCT", "Sở Công Thương\ntỉnh Bình Định", "2024-03", 0, 0, 0, 0, 0, 2, "02/04/2024"]])
        + csv_text([["SXD", "Sở Xây dựng tỉnh Bình Định", "2024-03", 1, 1, 0, 0, 0, -3, "02/04/2024"]])
        + csv_text([["STC", "Sở Tài chính tỉnh Bình Định", "2024-13", 0, 0, 0, 0, 0, 1, "02/04/2024"]])
    )
    (HERE / "csv_summary_lines.csv").write_bytes("\ufeff".encode() + summary.encode("utf-8"))
    roster = csv_text(
        [
            ROSTER,
            person(("SCT", ""), "Bùi Văn Hải", "03/03/1993", "052093000501", "Đoàn TN", "10/03/2024", "51-QĐ/ĐUK"),
            person(("SCT", ""), "Mai Thị Hương", "07/07/2008", "052108000502", "Đoàn TN", "10/03/2024", "52-QĐ/ĐUK"),
            person(("SCT", ""), "Lý Văn Phúc", "09/09/1990", "052090000503", "Hội Cựu chiến binh", "11/03/2024", "53"),
        ]
    )
    (HERE / "csv_roster_lines.csv").write_bytes(roster.encode("utf-8"))


# ----------------------------------------------------------------------------------- rule flaws


def err_summary_rules() -> None:
    """Row r breaks exactly one summary rule (see the table in tests/schemas/test_report.py)."""
    d = date(2024, 4, 3)
    summary_workbook(
        "err_summary_rules.xlsx",
        [
            [*SYT, "2024-03", 2, 1, 1, 0, 1, 10, d],  # 2 valid
            [None, "Sở Tư pháp Bình Định", "2024-03", 0, 0, 0, 0, 0, 1, d],  # 3 unknown name
            ["SYTE", None, "2024-03", 0, 0, 0, 0, 0, 1, d],  # 4 unknown code
            ["STPP", STP[1], "2024-03", 0, 0, 0, 0, 0, 1, d],  # 5 unknown code beside a good name
            ["CHQ", None, "13/2024", 0, 0, 0, 0, 0, 1, d],  # 6 period invalid
            ["BVDK", None, "03/2023", 0, 0, 0, 0, 0, 1, date(2023, 4, 3)],  # 7 period outside plan
            ["BVPDLTU", None, "2024-03", 0, 0, 0, 0, None, 1, d],  # 8 value missing
            ["SGTVT", None, "2024-03", 0, 0, 0, "một", 0, 1, d],  # 9 value not numeric
            ["SGDDT", None, "2024-03", 0, 0, 0, 0, 0, -1, d],  # 10 negative
            ["SKHCN", None, "2024-03", 0, 0, 0, 0, "2,5", 1, d],  # 11 not integer (decimal comma)
            ["SVHTT", None, "2024-03", 0, 0, 0, 1.5, 0, 1, d],  # 12 not integer (Excel float)
            ["STNMT", None, "2024-03", 3, 1, 1, 0, 0, 1, d],  # 13 total != youth + union
            ["SNNPTNT", None, "2024-03", 0, 0, 0, 0, 0, 1, "35/04/2024"],  # 14 report date invalid
            ["STC", None, "2024-03", 0, 0, 0, 0, 0, 1, None],  # 15 report date missing (warning)
            ["SCT", None, "2024-05", 0, 0, 0, 0, 0, 1, date(2024, 4, 28)],  # 16 reported before period
            [*SYT, "03/2024", 1, 1, 0, 0, 0, 9, d],  # 17 same unit-month as row 2
            ["SXD", None, "2024-03", 0, 0, 0, 0, 0, 1, date(2024, 4, 6)],  # 18 late (valid)
            ["SLDTBXH", None, "2024-03", 0, 0, 0, 0, 0, 1, date(2024, 4, 5)],  # 19 on the deadline (valid)
        ],
    )


def err_total_mismatch() -> None:
    """A last "Cộng" row whose admitted total does not add up (the other totals do)."""
    summary_workbook(
        "err_total_mismatch.xlsx",
        [
            [*SYT, "2024-03", 2, 1, 1, 0, 1, 10, date(2024, 4, 3)],
            [*STP, "2024-03", 1, 1, 0, 1, 0, 5, date(2024, 4, 3)],
            ["Cộng", None, None, 4, 2, 1, 1, 1, 15, None],
        ],
    )


def err_roster_rules() -> None:
    """Row r of DanhSach breaks exactly one roster rule (see tests/schemas/test_report.py)."""
    adm = date(2024, 3, 15)
    rows = [
        person(SYT, "Nguyễn Văn An", date(1995, 4, 12), "052095000101", "Đoàn TN", adm, "101-QĐ/ĐUK"),  # 2
        person((None, "Sở Y tế Bình Định"), "Lê Văn Bình", date(1994, 1, 1), "052094000102", "Đoàn TN", adm, "102"),
        person(SYT, None, date(1994, 1, 2), "052094000103", "Đoàn TN", adm, "103"),  # 4 name missing
        person(SYT, "Cao Văn Dũng", date(1994, 1, 3), "052094000104", "Đoàn TN", adm, "104", ethnicity=""),  # 5
        person(SYT, "Đỗ Văn Em", date(1994, 1, 4), "052094000105", "Đoàn TN", adm, "105", religion=None),  # 6
        person(SYT, "Hà Văn Giang", date(1994, 1, 5), "052094000106", "Đoàn TN", adm, ""),  # 7 decision missing
        person(SYT, "Kiều Văn Hậu", "31/02/1990", "052090000107", "Đoàn TN", adm, "107"),  # 8 birth date invalid
        person(SYT, "Lâm Văn Ích", date(1994, 1, 7), "052094000108", "Đoàn TN", "15/13/2024", "108"),  # 9
        person(SYT, "Mạc Văn Khoa", date(1994, 1, 8), "052094000109", "Đoàn TN", date(2023, 12, 20), "109"),  # 10
        person(SYT, "Ngô Văn Lộc", date(2006, 3, 16), "052206000110", "Đoàn TN", adm, "110"),  # 11 17 years old
        person(SYT, "Ông Văn Minh", date(2006, 3, 15), "052206000111", "Đoàn TN", adm, "111"),  # 12 just 18
        person(SYT, "Phan Văn Nam", date(1963, 3, 1), "052063000112", "Công đoàn", adm, "112"),  # 13 61: warning
        person(SYT, "Quách Văn Oai", date(1964, 3, 15), "052064000113", "Công đoàn", adm, "113"),  # 14 just 60
        person(SYT, "Tạ Văn Phát", date(1994, 1, 9), "052094000114", "Đoàn TN", adm, "114", gender="Khác"),  # 15
        person(SYT, "Ung Văn Quý", date(1994, 1, 10), "05209400011", "Đoàn TN", adm, "115"),  # 16 11 digits
        person(SYT, "Vũ Văn Sơn", date(1994, 1, 11), "052094000116", "Hội Phụ nữ", adm, "116"),  # 17 bad source
        person(SYT, "Nguyễn Văn An", date(1995, 4, 12), "052095000101", "Đoàn TN", adm, "117"),  # 18 row 2 again
        person(SYT, "Xa Văn Tài", date(1994, 1, 12), "052-094-000-119", "Đoàn TN", adm, "119"),  # 19 id with dashes
        person(SYT, "Yên Văn Út", date(1994, 1, 13), "05209400012O", "Đoàn TN", adm, "120"),  # 20 letter O in id
    ]
    summary_workbook("err_roster_rules.xlsx", [[*SYT, "2024-03", len(rows), 16, 3, 0, 0, 5, date(2024, 4, 3)]], rows)


def err_roster_id_number() -> None:
    """National ids typed into number cells: a lost leading zero is fine, a fraction or 20 digits is not."""
    adm = date(2024, 3, 15)
    summary_workbook(
        "err_roster_id_number.xlsx",
        [[*STP, "2024-03", 3, 3, 0, 0, 0, 5, date(2024, 4, 3)]],
        [
            person(STP, "Trịnh Văn Bảo", date(1995, 5, 5), 52095000701, "Đoàn TN", adm, "71-QĐ/ĐUK"),  # 2
            person(STP, "Khúc Văn Chiến", date(1995, 5, 6), 52095000702.5, "Đoàn TN", adm, "72-QĐ/ĐUK"),  # 3
            person(STP, "Âu Văn Duy", date(1995, 5, 7), 12345678901234567890, "Đoàn TN", adm, "73-QĐ/ĐUK"),  # 4
        ],
    )


def err_starts_below_row_1() -> None:
    """Row 1 left empty (titles from row 2): Excel row numbers must still be the ones Excel shows."""
    wb = new_workbook()
    ws = add_sheet(
        wb,
        "TongHop",
        [
            [],
            ["BÁO CÁO KẾT QUẢ PHÁT TRIỂN ĐẢNG VIÊN"],
            [],
            SUMMARY,
            [*SYT, "2024-03", 0, 0, 0, 0, 0, 5, date(2024, 4, 2)],
            [*STP, "2024-03", 0, 0, 0, 0, 0, -5, date(2024, 4, 2)],
        ],
    )
    ws["A1"].font = Font(bold=True)  # formatted but empty, as templates often are
    save(wb, "err_starts_below_row_1.xlsx")


def err_formula_no_value() -> None:
    """openpyxl writes a formula without a cached value: D6 = E6+F6 was never calculated."""
    wb = new_workbook()
    ws = add_sheet(
        wb,
        "TongHop",
        [
            ["ĐẢNG ỦY CỤC HẢI QUAN BÌNH ĐỊNH"],
            ["BÁO CÁO KẾT QUẢ PHÁT TRIỂN ĐẢNG VIÊN"],
            ["Tháng 3 năm 2024"],
            [],
            SUMMARY,
            ["CHQ", "Cục Hải quan Bình Định", "2024-03", None, 1, 1, 0, 0, 4, date(2024, 4, 2)],
        ],
    )
    ws["D6"] = "=E6+F6"
    save(wb, "err_formula_no_value.xlsx")


def err_formula_bare() -> None:
    """A formula cell with no <v> element at all, right after bordered empty cells (self-closing <c/>)."""
    wb = new_workbook()
    ws = add_sheet(
        wb,
        "TongHop",
        [
            SUMMARY,
            [*SYT, "2024-03", 1, 1, 0, 0, 0, 5, date(2024, 4, 2)],
            [*STP, "2024-03", 1, 0, 1, 0, 0, 6, date(2024, 4, 2)],
            ["Tổng cộng", None, None, "=SUM(D2:D3)", 1, 1, 0, 0, 11, None],
        ],
    )
    for ref in ("B4", "C4"):
        ws[ref].border = BOXED

    def patch(name: str, data: bytes) -> bytes:
        if name == "xl/worksheets/sheet1.xml":
            assert re.search(rb'<c r="B4" s="\d+" t="n" /><c r="C4" s="\d+" t="n" /><c r="D4"><f>', data)
            data = data.replace(b"<f>SUM(D2:D3)</f><v />", b"<f>SUM(D2:D3)</f>")
        return data

    save(wb, "err_formula_bare.xlsx", patch)


def cross_files() -> None:
    """Roster against summary: 3 admitted but 2 listed; 2 youth admitted but 1 youth listed (alias headers)."""
    adm = date(2024, 3, 14)
    summary_workbook(
        "cross_count_mismatch.xlsx",
        [[*SYT, "2024-03", 3, 2, 1, 0, 0, 5, date(2024, 4, 2)]],
        [
            person(SYT, "Giáp Văn Hưng", date(1996, 2, 2), "052096000801", "Đoàn TN", adm, "81-QĐ/ĐUK"),
            person(SYT, "Lò Thị Mai", date(1980, 3, 3), "052180000802", "Công đoàn", adm, "82-QĐ/ĐUK", gender="Nữ"),
        ],
    )
    wb = new_workbook()  # header aliases: the finding must name "ĐVTN", the column as this unit wrote it
    add_sheet(
        wb,
        "TongHop",
        [
            [
                "Mã đơn vị",
                "Đơn vị",
                "Tháng",
                "Tổng số kết nạp",
                "ĐVTN",
                "ĐVCĐ",
                "Công nhận chính thức",
                "Học lớp cảm tình Đảng",
                "Quần chúng cảm tình Đảng",
                "Ngày gửi",
            ],
            [*STP, "03/2024", 2, 2, 0, 0, 0, 5, "02/04/2024"],
        ],
    )
    add_sheet(
        wb,
        "DanhSach",
        [
            ROSTER,
            person(STP, "Kha Văn Nghĩa", date(1997, 4, 4), "052097000803", "Đoàn TN", adm, "83-QĐ/ĐUK"),
            person(STP, "Lưu Văn Oanh", date(1982, 5, 5), "052082000804", "Công đoàn", adm, "84-QĐ/ĐUK"),
        ],
    )
    save(wb, "cross_youth_mismatch.xlsx")


def dup_files() -> None:
    """One person in several files (read together with read_batch)."""
    p = ("Châu Văn Phong", date(1996, 6, 6), "052096000601")
    q = ("Lục Thị Quyên", date(1997, 7, 7), "052197000602")
    r = ("Tôn Văn Rạng", date(1998, 8, 8), "052098000603")
    march = date(2024, 3, 12)
    summary_workbook(
        "dup_a_syt_2024-03.xlsx",
        [[*SYT, "2024-03", 2, 2, 0, 0, 0, 5, date(2024, 4, 2)]],
        [person(SYT, *p, "Đoàn TN", march, "61-QĐ/ĐUK"), person(SYT, *q, "Đoàn TN", march, "62-QĐ/ĐUK")],
    )
    summary_workbook(
        "dup_b_stp_2024-04.xlsx",
        [[*STP, "2024-04", 2, 2, 0, 0, 0, 5, date(2024, 5, 2)]],
        [
            person(STP, *r, "Đoàn TN", date(2024, 4, 9), "63-QĐ/ĐUK"),
            person(STP, *p, "Đoàn TN", date(2024, 4, 9), "64-QĐ/ĐUK"),
        ],
    )
    summary_workbook(
        "dup_c_syt_2024-03_resent.xlsx",
        [[*SYT, "2024-03", 2, 2, 0, 0, 0, 5, date(2024, 4, 4)]],
        [person(SYT, *q, "Đoàn TN", march, "62-QĐ/ĐUK"), person(SYT, *p, "Đoàn TN", march, "61-QĐ/ĐUK")],
    )
    summary_workbook(
        "dup_d_syt_2024-03_resent_twice.xlsx",
        [[*SYT, "2024-03", 2, 2, 0, 0, 0, 5, date(2024, 4, 5)]],
        [person(SYT, *p, "Đoàn TN", march, "61-QĐ/ĐUK"), person(SYT, *p, "Đoàn TN", march, "61-QĐ/ĐUK")],
    )


# ---------------------------------------------------------------------------------- whole files


def bad_one_column() -> None:
    """A valid report plus a sheet of 400 notes in column A only: 400 cells, for the sheet-size bound."""
    wb = new_workbook()
    add_sheet(wb, "TongHop", [SUMMARY, [*SYT, "2024-03", 0, 0, 0, 0, 0, 5, date(2024, 4, 2)]])
    add_sheet(wb, "Ghi chú", [[f"Ghi chú {i}"] for i in range(1, 401)])
    save(wb, "bad_one_column.xlsx")


def bad_files() -> None:
    rng = random.Random(20240306)
    (HERE / "bad_random_bytes.xlsx").write_bytes(rng.randbytes(2048))
    (HERE / "bad_random_binary.csv").write_bytes(rng.randbytes(2048))
    ole = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(1016)
    (HERE / "bad_legacy.xls").write_bytes(ole)
    (HERE / "bad_ole_named.xlsx").write_bytes(ole)  # what an encrypted .xlsx looks like
    (HERE / "bad_document.pdf").write_bytes(b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << >>\n%%EOF\n")
    for name in ("bad_document.docx", "bad_not_workbook.xlsx"):  # a Word document, also renamed .xlsx
        path = HERE / name
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
            zf.writestr(zipfile.ZipInfo("[Content_Types].xml", FIXED_TIME), "<Types/>")
            zf.writestr(zipfile.ZipInfo("word/document.xml", FIXED_TIME), "<w:document>Báo cáo</w:document>")
    for name in ("bad_empty.xlsx", "bad_empty.csv"):
        (HERE / name).write_bytes(b"")
    wb = new_workbook()
    add_sheet(
        wb,
        "TongHop",
        [
            ["Kính gửi: Ban Tổ chức Đảng ủy Khối"],
            ["Nội dung", "Số lượng", "Ghi chú"],
            ["Kết nạp đảng viên", 2, None],
        ],
    )
    add_sheet(wb, "DanhSach", [["Họ và tên", "Ngày sinh"], ["Nguyễn Văn An", date(1995, 4, 12)]])
    save(wb, "bad_no_header.xlsx")
    text = csv_text([["Kính gửi: Ban Tổ chức Đảng ủy Khối"], ["Nội dung", "Số lượng"], ["Kết nạp đảng viên", 2]])
    (HERE / "bad_no_header.csv").write_bytes(text.encode("utf-8"))
    good = (HERE / "ok_basic.xlsx").read_bytes()
    (HERE / "bad_truncated.xlsx").write_bytes(good[: len(good) // 2])


def bad_zip_bombs() -> None:
    """Two zip bombs: a sheet of 6 MB of blanks deflated to 6 KB (ratio ~1000:1), and a
    workbook whose central directory declares a 3.75 GB sheet. Neither must be decompressed."""
    path = HERE / "bad_zip_bomb.xlsx"
    with zipfile.ZipFile(HERE / "ok_basic.xlsx") as zf:
        parts = [(i.filename, zf.read(i.filename)) for i in zf.infolist()]
    bomb = b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
    bomb += b" " * 6_000_000 + b"</sheetData></worksheet>"
    with zipfile.ZipFile(path, "w") as zf:
        for name, data in parts:
            if name == "xl/worksheets/sheet1.xml":
                data = bomb
            zf.writestr(zipfile.ZipInfo(name, FIXED_TIME), data, zipfile.ZIP_DEFLATED, compresslevel=9)
    data = bytearray((HERE / "ok_basic.xlsx").read_bytes())
    target = b"xl/worksheets/sheet1.xml"
    pos = 0
    while True:  # the central directory record of the first sheet
        pos = data.index(b"PK\x01\x02", pos)
        name_len = int.from_bytes(data[pos + 28 : pos + 30], "little")
        if bytes(data[pos + 46 : pos + 46 + name_len]) == target:
            break
        pos += 4
    data[pos + 24 : pos + 28] = (0xF0000000).to_bytes(4, "little")  # declared uncompressed size
    (HERE / "bad_zip_declared.xlsx").write_bytes(bytes(data))


# ------------------------------------------------------------------------------------ format 1.1

ENCODING_TABLES = HERE.parents[2] / "pdv" / "sources" / "encodings"


def legacy(text: str, encoding: str) -> str:
    """``text`` as an office typing in TCVN3 (ABC, .VnTime) or VNI (VNI-Times) would store it."""
    with (ENCODING_TABLES / f"{encoding.lower()}.csv").open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    table: dict[str, str] = {}
    for r in rows:  # the first spelling of each letter (VNI lists upper-case modifiers first)
        table.setdefault(r["unicode"], r["legacy"])
    out = []
    for ch in unicodedata.normalize("NFC", text):
        if ch in table:
            out.append(table[ch])
        elif ch.lower() in table and encoding == "TCVN3":  # no code for a toned capital: .VnTimeH
            out.append(table[ch.lower()])
        else:
            out.append(ch)
    return "".join(out)


def legacy_rows(rows: Rows, encoding: str) -> list[list[Any]]:
    return [[legacy(v, encoding) if isinstance(v, str) else v for v in row] for row in rows]


def f11_basic_rows() -> tuple[list[list[Any]], list[list[Any]]]:
    summary = [SUMMARY, [*SYT, "2024-03", 2, 1, 1, 1, 3, 12, date(2024, 4, 3)]]
    roster = [
        ROSTER,
        person(SYT, "Nguyễn Văn An", date(1995, 4, 12), "052095000101", "Đoàn TN", date(2024, 3, 15), "11-QĐ/ĐUK"),
        person(
            SYT,
            "Trần Thị Bích",
            date(1988, 11, 2),
            "052188000102",
            "Công đoàn",
            date(2024, 3, 20),
            "12-QĐ/ĐUK",
            gender="Nữ",
            ethnicity="Bana",
            religion="Công giáo",
        ),
    ]
    return summary, roster


def f11_legacy() -> None:
    """ok_basic typed in TCVN3 and in VNI: workbooks, and Windows-1252 CSV pairs."""
    summary, roster = f11_basic_rows()
    for enc in ("TCVN3", "VNI"):
        wb = new_workbook()
        add_sheet(wb, "TongHop", legacy_rows(summary, enc))
        add_sheet(wb, "DanhSach", legacy_rows(roster, enc))
        save(wb, f"f11_legacy_{enc.lower()}.xlsx")
        for kind, rows in (("summary", summary), ("roster", roster)):
            text = csv_text(legacy_rows(rows, enc))
            (HERE / f"f11_csv_{kind}_{enc.lower()}.csv").write_bytes(text.encode("cp1252"))


def f11_furniture() -> None:
    """A consolidated report as offices lay it out: every kind of furniture, one real row with a typo."""
    wb = new_workbook()
    add_sheet(wb, "HuongDan", [["Hướng dẫn: điền số liệu vào trang TongHop"], ["Mã đơn vị", "Tên đơn vị"]])
    header = [
        "STT",
        "Mã đơn vị",
        "Tên\nđơn vị",
        "Kỳ báo cáo",
        "Kết nạp:\nTổng số",
        "Kết nạp: Đoàn viên\nthanh niên",
        "Kết nạp: Đoàn viên công đoàn",
        "Công nhận đảng viên chính thức",
        "Học lớp bồi dưỡng nhận thức về Đảng",
        "Quần chúng cảm tình Đảng (cuối kỳ)",
        "Ngày báo cáo",
    ]
    ws = add_sheet(
        wb,
        "TongHop",
        [
            ["ĐẢNG ỦY KHỐI CƠ QUAN VÀ DOANH NGHIỆP TỈNH"],
            ["BÁO CÁO KẾT QUẢ PHÁT TRIỂN ĐẢNG VIÊN"],
            header,  # 3
            ["I.", "ĐẢNG BỘ CƠ SỞ"],  # 4 section
            ["A.", None],  # 5 section, no text at all but its number
            [1, *SYT, "2024-03", 2, 1, 1, 0, 1, 10, date(2024, 4, 2)],  # 6
            [2, None, None, "2024-04", 1, None, 1, None, None, 11, date(2024, 5, 3)],  # 7 merged name, blanks
            ["II.", "Chi bộ cơ sở"],  # 8 section
            [3, *STP, "2024-03", 0, None, None, None, None, 4, date(2024, 4, 2)],  # 9 blank counts
            [4, "CHQ", "Cục Hải quan Bình Định", "2024-03", None, None, None, None, None, None, None],  # 10 empty
            [5, None, "Sở Y tê tỉnh Bình Định", "2024-05", 1, 1, 0, 0, 0, 9, date(2024, 6, 3)],  # 11 typo
            ["Ghi chú: số liệu tính đến ngày cuối tháng."],  # 12 note
            [],
            [None, None, None, None, None, None, None, "Quy Nhơn, ngày 05 tháng 6 năm 2024"],  # 14
            [None, "NGƯỜI LẬP BIỂU", None, None, None, None, None, "T/M ĐẢNG ỦY"],  # 15
            [None, None, None, None, None, None, None, "BÍ THƯ"],  # 16
            [None, "(Ký, ghi rõ họ tên)"],  # 17
            [None, "Nguyễn Thị Lan", None, None, None, None, None, "Trần Văn Hùng"],  # 18
        ],
        merges=["B6:B7", "C6:C7"],
    )
    del ws
    add_sheet(
        wb,
        "DanhSach",
        [
            ["STT", *ROSTER],
            ["I.", "ĐẢNG BỘ CƠ SỞ"],
            [1, *person(SYT, "Lê Văn Cường", date(1999, 7, 1), "052099000201", "Đoàn TN", date(2024, 3, 8), "21-QĐ")],
            [
                2,
                *person(
                    SYT,
                    "Đinh Thị Hoa",
                    date(1990, 1, 30),
                    "052190000202",
                    "Công đoàn",
                    date(2024, 3, 9),
                    "22-QĐ",
                    gender="Nữ",
                ),
            ],
            [
                3,
                *person(SYT, "Phạm Văn Đông", date(1998, 2, 2), "052098000203", "Công đoàn", date(2024, 4, 9), "23-QĐ"),
            ],
            [4, *person(SYT, "Võ Văn Sáu", date(1994, 3, 3), "052094000204", "Đoàn TN", date(2024, 5, 7), "24-QĐ")],
            [],
            [None, None, "Quy Nhơn, ngày 05 tháng 6 năm 2024"],
            [None, None, "NGƯỜI LẬP BIỂU", None, None, None, None, None, "T/M ĐẢNG ỦY"],
            [None, None, "Nguyễn Thị Lan"],
        ],
    )
    hidden = add_sheet(wb, "DanhMuc", [SUMMARY, ["SYT", "Sở Y tế tỉnh Bình Định", "2024-01", 9, 9, 0, 0, 0, 0, None]])
    hidden.sheet_state = "hidden"
    save(wb, "f11_furniture.xlsx")


def f11_ids() -> None:
    """National ids after Excel: a number with 11 digits (zero lost), 10 digits, scientific notation."""
    adm = date(2024, 3, 15)
    summary_workbook(
        "f11_ids.xlsx",
        [[*STP, "2024-03", 4, 4, 0, 0, 0, 5, date(2024, 4, 3)]],
        [
            person(STP, "Trịnh Văn Bảo", date(1995, 5, 5), 52095000701, "Đoàn TN", adm, "71-QĐ/ĐUK"),  # 2 restored
            person(STP, "Khúc Văn Chiến", date(1995, 5, 6), 5209500070, "Đoàn TN", adm, "72-QĐ/ĐUK"),  # 3 10 digits
            person(STP, "Âu Văn Duy", date(1995, 5, 7), "5.2095E+10", "Đoàn TN", adm, "73-QĐ/ĐUK"),  # 4 scientific
            person(STP, "Bế Văn Em", date(1995, 5, 8), "052095000704", "Đoàn TN", adm, "74-QĐ/ĐUK"),  # 5 fine
        ],
    )
    rows = [ROSTER, person(STP, "Âu Văn Duy", "07/05/1995", "5,2095E+10", "Đoàn TN", "15/03/2024", "73-QĐ/ĐUK")]
    (HERE / "f11_csv_roster_scientific.csv").write_bytes(csv_text(rows, ";").encode("utf-8"))


def f11_empty_roster() -> None:
    """DanhSach with its headers and no rows, but the summary reports two admitted."""
    summary_workbook("f11_empty_roster_admitted.xlsx", [[*STP, "2024-07", 2, 1, 1, 0, 2, 12, date(2024, 8, 1)]], [])


def f11_admission_order() -> None:
    """One person admitted in January (SYT) and again in May (STP); the May file's name sorts first."""
    who = ("Châu Thị Xuân", date(1996, 6, 6), "052196000901")
    summary_workbook(
        "f11_order_a_may.xlsx",
        [[*STP, "2024-05", 1, 1, 0, 0, 0, 5, date(2024, 6, 2)]],
        [person(STP, *who, "Đoàn TN", date(2024, 5, 9), "91-QĐ/ĐUK", gender="Nữ")],
    )
    summary_workbook(
        "f11_order_b_january.xlsx",
        [[*SYT, "2024-01", 1, 1, 0, 0, 0, 5, date(2024, 2, 2)]],
        [person(SYT, *who, "Đoàn TN", date(2024, 1, 12), "19-QĐ/ĐUK", gender="Nữ")],
    )


def _patch_copy(src: str, dst: str, part: str, patch: Callable[[bytes], bytes]) -> None:
    with zipfile.ZipFile(HERE / src) as zf:
        parts = [(i.filename, zf.read(i.filename), i.compress_type) for i in zf.infolist()]
    with zipfile.ZipFile(HERE / dst, "w") as zf:
        for name, data, kind in parts:
            zf.writestr(zipfile.ZipInfo(name, FIXED_TIME), patch(data) if name == part else data, kind)


_ENTITIES = b'<!DOCTYPE sst [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>'


def _after_declaration(data: bytes, insert: bytes) -> bytes:
    end = data.index(b"?>") + 2 if data.startswith(b"<?xml") else 0
    return data[:end] + insert + data[end:]


def f11_dtd() -> None:
    """A DTD in sharedStrings.xml (nested entities, used in a cell), in sheet1.xml, in an .ods content.xml."""

    def strings(data: bytes) -> bytes:
        assert "Nguyễn Văn An".encode() in data
        data = _after_declaration(data, _ENTITIES)
        return data.replace("Nguyễn Văn An".encode(), b"&b;", 1)

    _patch_copy("f11_basic_libreoffice.xlsx", "bad_dtd_shared_strings.xlsx", "xl/sharedStrings.xml", strings)
    _patch_copy(
        "ok_basic.xlsx",
        "bad_dtd_sheet.xlsx",
        "xl/worksheets/sheet1.xml",
        lambda d: _after_declaration(d, b'<!DOCTYPE worksheet SYSTEM "http://example.invalid/x.dtd">'),
    )
    _patch_copy(
        "f11_basic.ods",
        "bad_dtd_content.ods",
        "content.xml",
        lambda d: _after_declaration(
            d, b'<!DOCTYPE office:document-content [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
        ),
    )


def f11_office_twins() -> None:
    """.xls and .ods twins of valid reports, written by LibreOffice as offices do."""
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        raise SystemExit("LibreOffice (soffice) is needed to write the .xls and .ods samples")
    summary, roster = f11_basic_rows()
    wb = new_workbook()
    add_sheet(wb, "TongHop", summary)
    add_sheet(wb, "DanhSach", roster)
    save(wb, "f11_basic.xlsx")
    with tempfile.TemporaryDirectory() as tmp:
        for name in ("f11_basic.xlsx", "f11_furniture.xlsx", "ok_consolidated.xlsx"):
            for fmt in ("xls", "ods"):
                subprocess.run(
                    [
                        soffice,
                        f"-env:UserInstallation=file://{tmp}/profile",
                        "--headless",
                        "--convert-to",
                        fmt,
                        "--outdir",
                        tmp,
                        str(HERE / name),
                    ],
                    check=True,
                    capture_output=True,
                    timeout=300,
                )
                out = Path(tmp) / f"{Path(name).stem}.{fmt}"
                target = name if name.startswith("f11_") else f"f11_{name}"
                shutil.copyfile(out, HERE / f"{Path(target).stem}.{fmt}")
        # LibreOffice's own .xlsx (with shared strings, which openpyxl does not write)
        subprocess.run(
            [
                soffice,
                f"-env:UserInstallation=file://{tmp}/profile",
                "--headless",
                "--convert-to",
                "xlsx",
                "--outdir",
                f"{tmp}/lo",
                str(HERE / "f11_basic.ods"),
            ],
            check=True,
            capture_output=True,
            timeout=300,
        )
        shutil.copyfile(Path(tmp) / "lo" / "f11_basic.xlsx", HERE / "f11_basic_libreoffice.xlsx")


def f11_bad_files() -> None:
    ole = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504)
    (HERE / "bad_encrypted.xlsx").write_bytes(ole + "EncryptedPackage".encode("utf-16-le") + bytes(512))
    with zipfile.ZipFile(HERE / "bad_corrupt.ods", "w") as zf:
        zf.writestr(zipfile.ZipInfo("mimetype", FIXED_TIME), "application/vnd.oasis.opendocument.spreadsheet")
        zf.writestr(zipfile.ZipInfo("content.xml", FIXED_TIME), "<office:document-content><office:bo")


CORPUS: list[Callable[[], None]] = [
    ok_basic,
    ok_two_level,
    ok_aliases,
    ok_consolidated,
    ok_unit_spellings,
    ok_empty_roster,
    ok_formula_cached,
    csv_pairs,
    csv_lines,
    err_summary_rules,
    err_total_mismatch,
    err_roster_rules,
    err_roster_id_number,
    err_starts_below_row_1,
    err_formula_no_value,
    err_formula_bare,
    cross_files,
    dup_files,
    bad_one_column,
    bad_files,
    bad_zip_bombs,
    f11_legacy,
    f11_furniture,
    f11_ids,
    f11_empty_roster,
    f11_admission_order,
    f11_office_twins,
    f11_dtd,
    f11_bad_files,
]


def main() -> None:
    for make in CORPUS:
        make()


if __name__ == "__main__":
    main()
