"""CSV files from units: encodings detected (never guessed wrong), delimiters, line numbers, bounds."""

from __future__ import annotations

import codecs
import importlib.util
import unicodedata
from pathlib import Path
from types import ModuleType

import pytest

from pdv.settings import Settings
from pdv.sources.csvfile import decode, read_csv
from pdv.sources.spreadsheet import FileRejected

REPORTS = Path(__file__).resolve().parents[1] / "data" / "reports"
ENCODINGS = ["utf8_bom", "utf8", "utf16", "cp1258"]
TEXT = "Mã đơn vị,Tên đơn vị\r\nSYT,Sở Y tế tỉnh Bình Định\r\nVPUBND,Văn phòng Ủy ban nhân dân tỉnh Bình Định\r\n"


def corpus() -> ModuleType:
    """The generator of the sample files: the original text each CSV was encoded from."""
    spec = importlib.util.spec_from_file_location("make_corpus", REPORTS / "make_corpus.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


MC = corpus()


@pytest.mark.parametrize("kind", ["summary", "roster"])
@pytest.mark.parametrize("enc", ENCODINGS)
def test_decoded_text_equals_the_original(enc: str, kind: str) -> None:
    rows = MC.CSV_SUMMARY if kind == "summary" else MC.CSV_ROSTER
    original = MC.csv_text(rows, MC.DELIMITERS[enc])
    text = decode((REPORTS / f"csv_{kind}_{enc}.csv").read_bytes())
    assert not text.startswith("\ufeff")
    assert unicodedata.normalize("NFC", text) == original


def test_the_windows_1258_sample_really_uses_combining_tone_marks() -> None:
    """Otherwise the test above would not exercise what makes Windows-1258 hard."""
    data = (REPORTS / "csv_summary_cp1258.csv").read_bytes()
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")
    text = data.decode("cp1258")
    assert "\u0323" in text and text != unicodedata.normalize("NFC", text)


@pytest.mark.parametrize(
    "data",
    [
        TEXT.encode("utf-8"),
        codecs.BOM_UTF8 + TEXT.encode("utf-8"),
        TEXT.encode("utf-16"),
        codecs.BOM_UTF16_LE + TEXT.encode("utf-16-le"),
        codecs.BOM_UTF16_BE + TEXT.encode("utf-16-be"),
        TEXT.encode("utf-16-le"),  # no BOM
        TEXT.encode("utf-16-be"),  # no BOM
        MC.encode_cp1258(TEXT),
    ],
    ids=["utf8", "utf8-bom", "utf16", "utf16le-bom", "utf16be-bom", "utf16le", "utf16be", "cp1258"],
)
def test_decode(data: bytes) -> None:
    assert unicodedata.normalize("NFC", decode(data)) == TEXT


def test_plain_ascii() -> None:
    assert decode(b"a,b\r\n1,2\r\n") == "a,b\r\n1,2\r\n"


@pytest.mark.parametrize(
    ("data", "detail"),
    [
        (b"PK\x03\x04\x14\x00\x00\x00binary\x00data", "binary"),
        # UTF-8 text with one stray Latin-1 byte: read as Windows-1258 it would be mojibake ("á»")
        (TEXT.encode("utf-8") + b"caf\xe9\r\n", "encoding"),
        # bytes that Windows-1258 does not define
        (b"\x81\x8a\x8d\x8e\x8f\x90", "encoding"),
    ],
    ids=["binary", "broken-utf8", "undefined-bytes"],
)
def test_undecodable_text_is_rejected_not_guessed(data: bytes, detail: str) -> None:
    with pytest.raises(FileRejected) as err:
        decode(data)
    assert err.value.rule == "file.unreadable"
    assert detail in err.value.detail


@pytest.mark.parametrize("enc", ENCODINGS)
def test_read_csv_delimiters_and_cells(enc: str) -> None:
    sheet = read_csv(REPORTS / f"csv_summary_{enc}.csv", Settings())
    assert sheet.name == f"csv_summary_{enc}.csv"
    assert [n for n, _ in sheet.rows] == [1, 2, 3, 4]
    header, first = sheet.rows[0][1], sheet.rows[1][1]
    assert [unicodedata.normalize("NFC", h) for h in header] == MC.SUMMARY
    assert [unicodedata.normalize("NFC", c) for c in first][:3] == ["SYT", "Sở Y tế tỉnh Bình Định", "Tháng 3/2024"]


def test_read_csv_numbers_rows_by_their_first_line() -> None:
    """Title line, blank line, header on line 3, a quoted cell spanning lines 4-5, then lines 6 and 7."""
    sheet = read_csv(REPORTS / "csv_summary_lines.csv", Settings())
    numbers = [n for n, _ in sheet.rows]
    assert numbers == [1, 2, 3, 4, 6, 7]
    cells = dict(sheet.rows)
    assert cells[2] == []
    assert cells[4][1] == "Sở Công Thương\ntỉnh Bình Định"
    assert cells[6][0] == "SXD" and cells[7][0] == "STC"


@pytest.mark.parametrize("content", [b"", b"   \r\n\r\n", codecs.BOM_UTF8, codecs.BOM_UTF16_LE])
def test_empty_csv(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "empty.csv"
    path.write_bytes(content)
    with pytest.raises(FileRejected) as err:
        read_csv(path, Settings())
    assert err.value.rule == "file.empty"


def test_too_many_cells(tmp_path: Path) -> None:
    path = tmp_path / "big.csv"
    path.write_text("a,b,c,d\r\n" * 30, encoding="utf-8")
    assert len(read_csv(path, Settings(max_sheet_cells=120)).rows) == 30
    with pytest.raises(FileRejected) as err:
        read_csv(path, Settings(max_sheet_cells=100))
    assert err.value.rule == "file.too_large"


def test_too_many_bytes(tmp_path: Path) -> None:
    path = tmp_path / "big.csv"
    path.write_text("a,b\r\n" * 100, encoding="utf-8")
    with pytest.raises(FileRejected) as err:
        read_csv(path, Settings(max_file_bytes=100))
    assert err.value.rule == "file.too_large"
    assert "500" in err.value.detail
