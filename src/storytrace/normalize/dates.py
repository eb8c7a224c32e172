"""Publication dates with their precision and the evidence they came from.

Sources, most trusted first: front matter / structured metadata, then an in-text dateline
(Chinese `中新社北京11月25日电`, Vietnamese `Thứ 7, 26/11/2022 | 07:15:30`, English
`Published at Dec 17, 2021 03:30 pm`). A missing year stays missing (`--MM-DD`,
precision `month-day`) unless the text itself states the year for a date range that
contains the dateline's day (`于2022年11月24日至26日`). Page clocks before the title
(`Chủ nhật, 17/11/2024, 16:43[GMT+7]`) are the crawl time and are never used.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from email.utils import parsedate_to_datetime

# Local time of in-text datelines, by language, when the text gives no offset.
_LANGUAGE_OFFSETS = {"vi": timedelta(hours=7)}
_MONTHS = {m: i for i, m in enumerate(
    ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"], 1)}


@dataclass(slots=True)
class DateFinding:
    value: str
    precision: str          # datetime | date | month-day
    evidence: str
    line: str | None = None  # the header line it was read from, when that line is only metadata


_ISO = re.compile(
    r"^\s*(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ](\d{1,2}):(\d{2})(?::(\d{2})(?:[.,]\d+)?)?)?"
    r"\s*(Z|UTC|GMT|[+-]\d{2}:?\d{2})?\s*$", re.IGNORECASE)
_EPOCH = re.compile(r"^\s*(\d{10}|\d{13})\s*$")


def _offset(text: str | None) -> timezone | None:
    if not text:
        return None
    if text.upper() in ("Z", "UTC", "GMT"):
        return timezone.utc
    sign = 1 if text[0] == "+" else -1
    digits = text[1:].replace(":", "")
    return timezone(sign * timedelta(hours=int(digits[:2]), minutes=int(digits[2:4])))


def format_datetime(value: datetime, with_seconds: bool = True) -> str:
    text = value.isoformat(timespec="seconds" if with_seconds else "minutes")
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def _rfc2822(value: str) -> datetime | None:
    """RSS and e-mail style dates: `Tue, 10 Jun 2003 04:00:00 GMT`."""
    try:
        return parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None


def parse_structured(value: str, evidence: str) -> DateFinding | None:
    """ISO-like strings from front matter, meta tags or JSON; epoch seconds/ms too."""
    value = str(value).strip()
    if m := _EPOCH.match(value):
        seconds = int(m.group(1)) / (1000 if len(m.group(1)) == 13 else 1)
        return DateFinding(format_datetime(datetime.fromtimestamp(seconds, timezone.utc)), "datetime", evidence)
    m = _ISO.match(value)
    if not m:
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            parsed = _rfc2822(value)
        if parsed is not None:
            return DateFinding(format_datetime(parsed), "datetime", evidence)
        found = find_en_date(value)
        return DateFinding(found.value, found.precision, evidence) if found else None
    year, month, day, hour, minute, second, tz = m.groups()
    try:
        if hour is None:
            return DateFinding(datetime(int(year), int(month), int(day)).date().isoformat(), "date", evidence)
        moment = datetime(int(year), int(month), int(day), int(hour), int(minute), int(second or 0),
                          tzinfo=_offset(tz))
    except ValueError:
        return None
    return DateFinding(format_datetime(moment), "datetime", evidence)


_VI_DATE = re.compile(
    r"(?:(?:Thứ\s*(?:[2-7]|hai|ba|tư|năm|sáu|bảy)|Chủ\s*nhật)\s*,?\s*)?"
    r"(\d{1,2})/(\d{1,2})/(\d{4})(?:\s*[|,\-–]?\s*(\d{1,2}):(\d{2})(?::(\d{2}))?)?(\s*\[?(?:GMT|UTC)\s*[+-]\d{1,2}\]?)?",
    re.IGNORECASE)
_EN_DATE = re.compile(
    r"(?:Published|Updated|Posted)?\s*(?:at|on)?\s*"
    r"(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]*\.?\s+(\d{1,2}),?\s+(\d{4})"
    r"(?:\s*(?:at|,)?\s*(\d{1,2}):(\d{2})\s*([ap]\.?m\.?)?)?", re.IGNORECASE)
_ZH_DATELINE = re.compile(
    r"[（(【\[]?(?:(?P<who>[\u4e00-\u9fff]{1,6}?社|[\u4e00-\u9fff]{2,4}(?:网|網|报|報))?"
    r"(?P<place>[\u4e00-\u9fff]{0,8}?)(?:(?P<y>\d{4})年)?(?P<m>\d{1,2})月(?P<d>\d{1,2})日(?:(?:专|專)?[电電]|\s*[-–—](?=\s)))[）)】\]]?")
_ZH_FULL = re.compile(r"(\d{4})年(\d{1,2})月(\d{1,2})日")
_ZH_RANGE = re.compile(r"(\d{4})年(\d{1,2})月(\d{1,2})日(?:至|到|—|–|-|～|~)(?:(\d{1,2})月)?(\d{1,2})日")


def _month_day(month: int, day: int) -> str:
    return f"--{month:02d}-{day:02d}"


def _year_from_text(text: str, month: int, day: int) -> tuple[int, str] | None:
    """A year the text states for a date or range that contains month-day."""
    for m in _ZH_RANGE.finditer(text):
        year, m1, d1, m2, d2 = int(m.group(1)), int(m.group(2)), int(m.group(3)), m.group(4), int(m.group(5))
        m2 = int(m2) if m2 else m1
        if (m1, d1) <= (month, day) <= (m2, d2):
            return year, m.group(0)
    for m in _ZH_FULL.finditer(text):
        if (int(m.group(2)), int(m.group(3))) == (month, day):
            return int(m.group(1)), m.group(0)
    return None


def find_vi_date(line: str, language: str | None) -> DateFinding | None:
    m = _VI_DATE.search(line)
    if not m:
        return None
    day, month, year, hour, minute, second, zone = m.groups()
    try:
        if hour is None:
            value = datetime(int(year), int(month), int(day)).date().isoformat()
            return DateFinding(value, "date", f"dateline {m.group(0).strip()}")
        tz = None
        if zone:
            hours = int(re.search(r"[+-]\d{1,2}", zone).group(0))
            tz = timezone(timedelta(hours=hours))
        elif language in _LANGUAGE_OFFSETS:
            tz = timezone(_LANGUAGE_OFFSETS[language])
        moment = datetime(int(year), int(month), int(day), int(hour), int(minute), int(second or 0), tzinfo=tz)
    except ValueError:
        return None
    return DateFinding(format_datetime(moment), "datetime", f"dateline {m.group(0).strip()}")


def find_en_date(line: str) -> DateFinding | None:
    m = _EN_DATE.search(line)
    if not m:
        return None
    month, day, year, hour, minute, ampm = m.groups()
    try:
        if hour is None:
            return DateFinding(datetime(int(year), _MONTHS[month[:3].lower()], int(day)).date().isoformat(),
                               "date", f"dateline {m.group(0).strip()}")
        h = int(hour) % 12 + (12 if ampm and ampm.lower().startswith("p") else 0) if ampm else int(hour)
        moment = datetime(int(year), _MONTHS[month[:3].lower()], int(day), h, int(minute))
    except ValueError:
        return None
    return DateFinding(format_datetime(moment), "datetime", f"dateline {m.group(0).strip()}")


def find_zh_dateline(text: str) -> DateFinding | None:
    m = _ZH_DATELINE.search(text)
    if not m:
        return None
    month, day = int(m.group("m")), int(m.group("d"))
    if not (1 <= month <= 12 and 1 <= day <= 31):
        return None
    evidence = f"dateline {m.group(0)}"
    if m.group("y"):
        try:
            return DateFinding(datetime(int(m.group("y")), month, day).date().isoformat(), "date", evidence)
        except ValueError:
            return None
    stated = _year_from_text(text, month, day)
    if stated:
        year, where = stated
        try:
            value = datetime(year, month, day).date().isoformat()
        except ValueError:
            return None
        return DateFinding(value, "date", f"{evidence}; year from '{where}' in the text")
    return DateFinding(_month_day(month, day), "month-day", f"{evidence} (no year given)")


_HEADER_STAMP = re.compile(r"^\s*(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?"
                           r"(?:\s*(\d{1,2}):(\d{2})(?::(\d{2}))?)?")
_MAX_META_LINE = 80


def find_header_stamp(line: str) -> DateFinding | None:
    """`2024-03-14 17:02:33　来源：…` or `2024年03月14日 21:05　…` opening a short header line."""
    m = _HEADER_STAMP.match(line)
    if not m or len(line) > _MAX_META_LINE:
        return None
    year, month, day, hour, minute, second = m.groups()
    try:
        if hour is None:
            return DateFinding(datetime(int(year), int(month), int(day)).date().isoformat(), "date",
                               f"header line {m.group(0).strip()}", line)
        moment = datetime(int(year), int(month), int(day), int(hour), int(minute), int(second or 0))
    except ValueError:
        return None
    return DateFinding(format_datetime(moment), "datetime", f"header line {m.group(0).strip()}", line)


def is_date_line(line: str) -> bool:
    """A line that is only a timestamp (page clock or dateline), nothing else."""
    stripped = line.strip()
    for rx in (_VI_DATE, _EN_DATE):
        m = rx.search(stripped)
        if m and len(stripped) - len(m.group(0).strip()) <= 3:
            return True
    return bool(_ISO.match(stripped))


def find_in_text(header_lines: list[str], text: str, language: str | None) -> DateFinding | None:
    """Datelines: first in the lines right after the title, then a Chinese wire dateline anywhere."""
    for line in header_lines:
        found = find_header_stamp(line) or find_vi_date(line, language) or find_en_date(line)
        if found:
            if found.line is None and is_date_line(line):
                found.line = line
            return found
    return find_zh_dateline(text)
