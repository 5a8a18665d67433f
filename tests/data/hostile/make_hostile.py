"""Regenerate the hostile-input corpus in this directory (issue 13).

    .venv/bin/python tests/data/hostile/make_hostile.py

Small synthetic files an attacker or a careless office could send; each name says what it tries.
What git cannot hold or must not hold (symlinks, FIFOs, names that are not UTF-8, mode-000 files,
deep or over-long paths) is made at test time in a temporary directory (``tests/test_hostile.py``).

good_*      three valid reports that must load beside every hostile file
count_*     oversized and non-finite counts (row errors naming the cell)
ids_*       one id in ASCII, full-width and Arabic-Indic digits
zip_*       an unreferenced part that inflates far past its declared size; duplicate member names
markup_*    unit names that are rich markup or terminal escape sequences
reject_*    CSVs rejected whole (NUL byte, over-long field, binary) and a workbook with a DTD
bom_*       a line holding only U+FEFF and a header repeated after a BOM in mid-file
"""

from __future__ import annotations

import csv
import io
import struct
import zipfile
import zlib
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import openpyxl

from pdv.synthetic.demo import ROSTER_HEADERS, SUMMARY_HEADERS
from pdv.xlsxio import workbook_bytes

HERE = Path(__file__).resolve().parent
FIXED_TIME = (2024, 1, 1, 0, 0, 0)
# The template's headers, spelled once (the sample generator's standard layout).
SUMMARY = list(SUMMARY_HEADERS["std"])
ROSTER = list(ROSTER_HEADERS["std"])
# Rows whose figures are consistent (total = youth + union, no roster needed when total is 0).
GOOD = {
    "good_1_stp.csv": ("STP", "Sở Tư pháp tỉnh Bình Định"),
    "good_2_cthue.csv": ("CTHUE", "Cục Thuế tỉnh Bình Định"),
}
ID = "052195000555"
FULL_WIDTH = "".join(chr(0xFF10 + int(c)) for c in ID)
ARABIC_INDIC = "".join(chr(0x0660 + int(c)) for c in ID)


def summary_row(code: str, name: str, *counts: Any, period: str = "03/2024") -> list[Any]:
    figures = list(counts) if counts else [0, 0, 0, 1, 2, 5]
    return [code, name, period, *figures, "04/04/2024"]


def write_csv(name: str, rows: Sequence[Sequence[Any]], header: Sequence[str] = SUMMARY) -> None:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerows([header, *rows])
    (HERE / name).write_bytes(out.getvalue().encode("utf-8"))


def workbook(rows: Sequence[Sequence[Any]]) -> bytes:
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "TongHop"
    ws.append(SUMMARY)
    for r in rows:
        ws.append(list(r))
    wb.create_sheet("DanhSach").append(ROSTER)
    return workbook_bytes(wb)  # fixed metadata and zip times: reproducible bytes


def rezip(data: bytes, extra: Sequence[tuple[str, bytes]] = ()) -> bytes:
    """The workbook's members with fixed times (reproducible bytes), plus ``extra`` members."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            dst.writestr(_info(info.filename), src.read(info.filename))
        for name, body in extra:
            dst.writestr(_info(name), body)
    return out.getvalue()


def _info(name: str) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, FIXED_TIME)
    info.compress_type = zipfile.ZIP_DEFLATED
    return info


def good() -> None:
    for name, (code, unit) in GOOD.items():
        write_csv(name, [summary_row(code, unit)])
    (HERE / "good_3_bvdk.xlsx").write_bytes(workbook([summary_row("BVDK", "Bệnh viện Đa khoa tỉnh Bình Định")]))


COUNT_CASES = [  # (unit, text typed in "Học lớp bồi dưỡng", the row's line in the CSV)
    ("SYT", "3000000000"),
    ("VPUBND", "1e308"),
    ("KBNN", "9223372036854775808"),
    ("SGTVT", "inf"),
    ("SGDDT", "Infinity"),
    ("SKHCN", "1e309"),
    ("SVHTT", "-inf"),
]


def counts() -> None:
    write_csv(
        "count_oversized.csv", [[code, "", "03/2024", 0, 0, 0, 0, text, 1, "04/04/2024"] for code, text in COUNT_CASES]
    )
    # Numbers as Excel stores them (floats): 3e9 and 1e308 in TongHop.
    (HERE / "count_oversized.xlsx").write_bytes(
        workbook(
            [
                ["NHNN", "", "03/2024", 0, 0, 0, 0, 3e9, 1, "04/04/2024"],
                ["LDLD", "", "03/2024", 0, 0, 0, 0, 1e308, 1, "04/04/2024"],
            ]
        )
    )
    # Digits of other scripts in a count, a period and a date.
    write_csv(
        "count_other_digits.csv",
        [
            ["CHQ", "", "03/2024", 0, 0, 0, 0, "٥", 1, "04/04/2024"],
            ["DPTTH", "", "٠٣/٢٠٢٤", 0, 0, 0, 0, 1, 1, "04/04/2024"],
            ["CDTNNKV", "", "03/2024", 0, 0, 0, 0, 1, 1, "٠٤/٠٤/٢٠٢٤"],
        ],
    )


def ids() -> None:
    people = [
        ("Nguyễn Văn An", ID, 3),
        ("Nguyễn Văn Ân", FULL_WIDTH, 4),
        ("Nguyễn Văn Ẩn", ARABIC_INDIC, 5),
    ]
    rows = [
        ["SNNPTNT", "", name, "01/02/1995", "Nam", "Kinh", "Không", pid, "Đoàn TN", f"1{day}/03/2024", f"{day}-QĐ/ĐUK"]
        for name, pid, day in people
    ]
    write_csv("ids_digit_forms.csv", rows, ROSTER)


def zips() -> None:
    base = workbook([summary_row("SKHCN", "Sở Khoa học và Công nghệ tỉnh Bình Định")])
    # 64 MB of zeros deflate to ~64 KB: a part nothing references, declaring 100 bytes.
    bomb = zlib.compressobj(9, zlib.DEFLATED, -15)
    chunks = [bomb.compress(bytes(1 << 20)) for _ in range(64)] + [bomb.flush()]
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(base)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            dst.writestr(_info(info.filename), src.read(info.filename))
    data = out.getvalue()
    # Append the raw deflate stream as a member by hand (zipfile would compute the true size).
    body = b"".join(chunks)
    data = _append_raw_member(data, "xl/media/unused.bin", body, declared=100, crc=zlib.crc32(b"0" * 100))
    (HERE / "zip_unreferenced_bomb.xlsx").write_bytes(data)
    sheet = b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData/></worksheet>'
    (HERE / "zip_duplicate_member.xlsx").write_bytes(rezip(base, [("xl/worksheets/sheet1.xml", sheet)]))


def _append_raw_member(data: bytes, name: str, body: bytes, declared: int, crc: int) -> bytes:
    """``data`` (a zip) with one more deflated member whose headers state ``declared`` bytes."""
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        infos = zf.infolist()
        end = zf.start_dir
    encoded = name.encode()
    local = struct.pack("<4s5H3L2H", b"PK\x03\x04", 20, 0, 8, 0, 0x21, crc, len(body), declared, len(encoded), 0)
    member = local + encoded + body
    cd = bytearray(data[end : data.rfind(b"PK\x05\x06")])
    cd += struct.pack(
        "<4s6H3L5H2L",
        b"PK\x01\x02",
        20,
        20,
        0,
        8,
        0,
        0x21,
        crc,
        len(body),
        declared,
        len(encoded),
        0,
        0,
        0,
        0,
        0,
        end,
    )
    cd += encoded
    eocd = struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, len(infos) + 1, len(infos) + 1, len(cd), end + len(member), 0)
    return data[:end] + member + bytes(cd) + eocd


def markup() -> None:
    write_csv(
        "markup_unit_names.csv",
        [
            ["", "[/] x", "03/2024", 0, 0, 0, 0, 0, 1, "04/04/2024"],
            ["", "[link=http://example.invalid]x[/link]", "03/2024", 0, 0, 0, 0, 0, 1, "04/04/2024"],
            [
                "",
                "\x1b[31mĐỏ\x1b[0m\x1b]8;;http://example.invalid\x1b\\y\x1b]8;;\x1b\\",
                "03/2024",
                0,
                0,
                0,
                0,
                0,
                1,
                "04/04/2024",
            ],
        ],
    )


def rejects() -> None:
    head = ";".join(SUMMARY).encode()
    (HERE / "reject_nul_byte.csv").write_bytes(head + b"\r\nSYT;S\x00YT;03/2024;0;0;0;0;0;1;04/04/2024\r\n")
    (HERE / "reject_long_field.csv").write_bytes(
        head + b"\r\nSYT;" + b"x" * 140_000 + b";03/2024;0;0;0;0;0;1;04/04/2024\r\n"
    )
    (HERE / "reject_binary.csv").write_bytes(bytes(range(256)) * 4)
    dtd = workbook([["", "Không có đơn vị này", "03/2024", 0, 0, 0, 0, 0, 1, "04/04/2024"]])
    with zipfile.ZipFile(io.BytesIO(dtd)) as zf:
        parts = {i.filename: zf.read(i.filename) for i in zf.infolist()}
    book = parts["xl/workbook.xml"]
    doctype = b'<!DOCTYPE workbook [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">]>'
    at = book.index(b"?>") + 2 if book.startswith(b"<?xml") else 0
    parts["xl/workbook.xml"] = book[:at] + doctype + book[at:]
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for name, body in parts.items():
            dst.writestr(_info(name), body)
    (HERE / "reject_dtd.xlsx").write_bytes(out.getvalue())


def bom() -> None:
    header = ";".join(SUMMARY)
    rows = [
        header,
        ";".join(map(str, summary_row("SVHTT", "Sở Văn hóa và Thể thao tỉnh Bình Định"))),
        "\ufeff",
        "\ufeff" + header,
        ";".join(map(str, summary_row("STNMT", "Sở Tài nguyên và Môi trường tỉnh Bình Định"))),
    ]
    (HERE / "bom_mid_file.csv").write_bytes(("\r\n".join(rows) + "\r\n").encode("utf-8"))


def main() -> None:
    for make in (good, counts, ids, zips, markup, rejects, bom):
        make()


if __name__ == "__main__":
    main()
