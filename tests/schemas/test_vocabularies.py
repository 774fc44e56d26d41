"""The fixed lists that fields are checked against."""

from __future__ import annotations

from schemas.languages import LANGUAGES
from schemas.municipalities import MUNICIPALITIES


def test_municipalities_are_the_28_of_the_county_and_kassel() -> None:
    assert len(MUNICIPALITIES) == len(set(MUNICIPALITIES)) == 29
    assert "Kassel" in MUNICIPALITIES
    assert {"Wesertal", "Zierenberg", "Fuldabrück", "Söhrewald"} <= set(MUNICIPALITIES)
    # Merged into Wesertal on 1 January 2020.
    assert not {"Oberweser", "Wahlsburg"} & set(MUNICIPALITIES)


def test_languages() -> None:
    assert LANGUAGES == ("de", "en", "ar", "fa", "prs", "tr", "uk", "ru", "ku", "ti", "so", "ps", "fr")
