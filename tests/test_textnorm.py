import unicodedata

import pandas as pd
import pytest

from pdv.textnorm import ascii_key, clean_text, map_unique, name_key


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Quy Hòa", "Quy Hoà"),  # tone-mark placement, old vs new style
        ("Sở Thủy lợi", "Sở Thuỷ lợi"),
        ("Ủy ban nhân dân", "Uỷ ban nhân dân"),
        ("Bệnh viện Mắt", unicodedata.normalize("NFD", "Bệnh viện Mắt")),
        ("  Sở   Y tế ", "Sở Y tế"),
        ("SỞ Y TẾ", "sở y tế"),
        ("Phong - Da liễu", "Phong-Da liễu"),
    ],
)
def test_name_key_treats_spellings_of_one_name_alike(a: str, b: str) -> None:
    assert name_key(a) == name_key(b)


@pytest.mark.parametrize(("a", "b"), [("Tinh đoàn", "Tỉnh đoàn"), ("Đoàn", "Doàn"), ("Sở Tư pháp", "Sở Tài chính")])
def test_name_key_keeps_different_words_apart(a: str, b: str) -> None:
    assert name_key(a) != name_key(b)


def test_ascii_key_ignores_accents_case_punctuation_and_d_stroke() -> None:
    assert ascii_key("Kết nạp: Tổng số") == "ket nap tong so"
    assert ascii_key("ĐVTN") == "dvtn"
    assert ascii_key(" Tổng  hợp ") == ascii_key("TONG HOP")


def test_clean_text_normalises_to_nfc_and_whole_numbers() -> None:
    assert clean_text(unicodedata.normalize("NFD", " Hòa\u00a0 Bình ")) == "Hòa Bình"
    assert clean_text(3.0) == "3"
    assert clean_text(None) == ""
    assert clean_text(float("nan")) == ""


def test_map_unique_keeps_index_and_missing_values() -> None:
    s = pd.Series(["Hòa", None, "Hoà"], index=[7, 8, 9])
    out = map_unique(s, name_key)
    assert list(out.index) == [7, 8, 9]
    assert out[7] == out[9]
    assert pd.isna(out[8])
