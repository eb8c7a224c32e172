"""Language (BCP 47 primary tag) and script (ISO 15924) of a text.

Language: lingua, restricted to the languages a news tracker in this region meets, built
once per process (building is cheap; its models load lazily on first use). Han text
without kana or hangul is Chinese without asking the detector.
Script: for Chinese, count characters that OpenCC changes under t2s (Traditional-only) and
s2t (Simplified-only); the larger count wins. Otherwise the Unicode script of the letters.
"""
from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import opencc

_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_KANA = re.compile(r"[\u3040-\u30ff]")
_HANGUL = re.compile(r"[\uac00-\ud7af]")
_SAMPLE = 3000


@lru_cache(maxsize=1)
def _detector():
    from lingua import Language, LanguageDetectorBuilder

    languages = [Language.CHINESE, Language.VIETNAMESE, Language.ENGLISH, Language.JAPANESE, Language.KOREAN,
                 Language.FRENCH, Language.GERMAN, Language.SPANISH, Language.PORTUGUESE, Language.RUSSIAN,
                 Language.INDONESIAN, Language.MALAY, Language.THAI, Language.TAGALOG, Language.ARABIC]
    return LanguageDetectorBuilder.from_languages(*languages).build()


@lru_cache(maxsize=1)
def _converters():
    return opencc.OpenCC("t2s"), opencc.OpenCC("s2t")


def detect_language(text: str) -> str | None:
    sample = text[:_SAMPLE]
    han = len(_HAN.findall(sample))
    letters = sum(ch.isalpha() for ch in sample)
    if not letters:
        return None
    if _KANA.search(sample) and len(_KANA.findall(sample)) > letters * 0.2:
        return "ja"
    if len(_HANGUL.findall(sample)) > letters * 0.3:
        return "ko"
    if han > letters * 0.5:
        return "zh"
    found = _detector().detect_language_of(sample)
    return found.iso_code_639_1.name.lower() if found else None


def han_script(text: str) -> str | None:
    """Hans or Hant by which conversion changes more characters; None without Han text."""
    han = "".join(_HAN.findall(text[:6000]))[:3000]
    if not han:
        return None
    t2s, s2t = _converters()
    simplified, traditional = t2s.convert(han), s2t.convert(han)
    if len(simplified) != len(han) or len(traditional) != len(han):
        simplified = "".join(t2s.convert(c) for c in han)
        traditional = "".join(s2t.convert(c) for c in han)
    trad_only = sum(a != b for a, b in zip(han, simplified, strict=True))
    simp_only = sum(a != b for a, b in zip(han, traditional, strict=True))
    return "Hant" if trad_only > simp_only else "Hans"


def detect_script(text: str, language: str | None = None) -> str | None:
    if language == "zh" or (language is None and _HAN.search(text[:2000])):
        return han_script(text)
    counts: dict[str, int] = {}
    for ch in text[:_SAMPLE]:
        if ch.isalpha():
            name = unicodedata.name(ch, "")
            script = name.split(" ")[0] if name else ""
            counts[script] = counts.get(script, 0) + 1
    if not counts:
        return None
    top = max(counts, key=counts.get)
    return {"LATIN": "Latn", "CYRILLIC": "Cyrl", "ARABIC": "Arab", "THAI": "Thai", "HANGUL": "Kore",
            "HIRAGANA": "Jpan", "KATAKANA": "Jpan", "CJK": "Hani", "GREEK": "Grek", "HEBREW": "Hebr",
            "DEVANAGARI": "Deva"}.get(top)
