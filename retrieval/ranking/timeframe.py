"""Time in a question: the dates it names ("hari ini", "last week", "pada Mei 2024", "sejak Senin", …) as a range of
publication days, whether it asks for the newest news ("terbaru", "latest"), and the question without those words.

A small grammar, not a general date parser: news questions name time in a few fixed ways, and the question's other
words (a year inside "who won the 1998 election?") must not be mistaken for one. Relative forms are read against
`today` in the reader's time zone.
"""

from __future__ import annotations

import re
from calendar import monthrange
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from datetime import date, timedelta

MONTHS = {
    "januari": 1, "january": 1, "jan": 1, "februari": 2, "february": 2, "feb": 2, "maret": 3, "march": 3, "mar": 3,
    "april": 4, "apr": 4, "mei": 5, "may": 5, "juni": 6, "june": 6, "jun": 6, "juli": 7, "july": 7, "jul": 7,
    "agustus": 8, "august": 8, "agu": 8, "aug": 8, "september": 9, "sep": 9, "sept": 9, "oktober": 10, "october": 10,
    "okt": 10, "oct": 10, "november": 11, "nov": 11, "desember": 12, "december": 12, "des": 12, "dec": 12,
}
WEEKDAYS = {
    "senin": 0, "monday": 0, "selasa": 1, "tuesday": 1, "rabu": 2, "wednesday": 2, "kamis": 3, "thursday": 3,
    "jumat": 4, "jum'at": 4, "friday": 4, "sabtu": 5, "saturday": 5, "minggu": 6, "ahad": 6, "sunday": 6,
}
UNITS = {"hari": "day", "day": "day", "days": "day", "minggu": "week", "pekan": "week", "week": "week",
         "weeks": "week", "bulan": "month", "month": "month", "months": "month", "tahun": "year", "year": "year",
         "years": "year"}

_MONTH = "|".join(sorted(MONTHS, key=len, reverse=True))
_WEEKDAY = "|".join(sorted(WEEKDAYS, key=len, reverse=True))
_UNIT = "|".join(sorted(UNITS, key=len, reverse=True))
_AT = r"(?:(?:pada|di|dalam|selama|sepanjang|in|on|during|throughout)\s+)?"
_NOT_AFTER_COUNT = r"(?<!\d )"
"""Before "tahun lalu", "bulan ini", …: a number in front ("5000 tahun lalu", "tanggal 5 tahun lalu") makes them a
count this grammar did not read, so they are not a time of their own."""
_NOT_MAY_VERB = r"(?!(?-i:may)\s+(?:\d{1,2}\s+)?[a-z])"
"""Lowercase "may" before a word ("5 may be", "may 5 people") is the verb, not the month."""
_WORD_START = r"(?<![\w.,-])(?<!tanggal )(?<!tgl )(?<!tgl\. )"
"""Where an expression may start: not inside a word or a number ("700.000 tahun lalu", "1,5 hari lalu"), nor at the
number after "tanggal" ("tanggal 5 tahun lalu" is no count of years)."""
_YEAR = r"((?:19|20)\d\d)"

RECENT = re.compile(r"\b(?:(?:yang\s+)?paling\s+baru|terbaru|terkini|teranyar|terupdate|latest|newest|most\s+recent"
                    r"|what'?s\s+new(?:\s+(?:on|about|in|with))?|recent)\b", re.IGNORECASE)
"""Words asking for the newest stories on a topic."""

NEWS_WORDS = frozenset("""
apa apakah saja yang ada berita berita-berita kabar info informasi masuk terjadi kejadian peristiwa tentang soal
mengenai di dari pada dalam tadi sudah sih ya dong kah semua daftar artikel baru tersimpan disimpan
what whats what's which any anything the a an news happened happen happening is are was were there new stories
story articles article stored added came in on of about all list me show tell
""".split())
"""Words that, with a time, still make a question that only asks for the news of that time."""


@dataclass(frozen=True)
class TimeRange:
    """Publication days from `start` to `end`, both included (None: open); `relative` when read against today."""

    start: date | None
    end: date | None
    relative: bool = True

    def contains(self, day: date) -> bool:
        """Whether a publication day falls in the range."""
        return (self.start is None or day >= self.start) and (self.end is None or day <= self.end)


@dataclass(frozen=True)
class TimeQuestion:
    """What a question says about time: its range (None if it names none), whether it asks for the newest, the
    question without its time words, and whether nothing but a time (and words like "berita apa saja") is left."""

    range: TimeRange | None
    recent: bool
    text: str
    only_time: bool

    @property
    def timed(self) -> bool:
        """Whether the question names a time or asks for the newest."""
        return self.range is not None or self.recent

    @property
    def asks_newest(self) -> bool:
        """Whether the question asks for the newest without naming a time."""
        return self.recent and self.range is None


def _month(year: int, month: int) -> TimeRange:
    return TimeRange(date(year, month, 1), date(year, month, monthrange(year, month)[1]), relative=False)


MAX_COUNT = {"day": 366, "week": 104, "month": 60, "year": 10}
"""The largest count of each unit read as a time ("3 hari lalu", "5 tahun terakhir"): a larger one ("3000 tahun yang
lalu", "1000000 hari lalu") is about history, not about when a story was published, and stays part of the topic."""


def _if_counted(count: str, unit: str, make: Callable[[int, str], TimeRange]) -> TimeRange | None:
    """The range `make` gives for a count of a unit ("3", "hari"); None when the count is past `MAX_COUNT`."""
    number, name = int(count), UNITS[unit.lower()]
    return make(number, name) if number <= MAX_COUNT[name] else None


def _months_back(today: date, count: int) -> tuple[int, int]:
    """The year and month `count` months before today's."""
    year, month = divmod(today.year * 12 + today.month - 1 - count, 12)
    return year, month + 1


def _back(today: date, count: int, unit: str) -> TimeRange:
    """The last `count` units ending today ("3 hari terakhir", "the past 2 years")."""
    if unit == "day":
        return TimeRange(today - timedelta(days=count - 1), today)
    if unit == "week":
        return TimeRange(today - timedelta(weeks=count) + timedelta(days=1), today)
    year, month = _months_back(today, count * 12 if unit == "year" else count)
    return TimeRange(date(year, month, min(today.day, monthrange(year, month)[1])) + timedelta(days=1), today)


def _ago(today: date, count: int, unit: str) -> TimeRange:
    """The day, calendar week, month or year `count` units before today's ("3 hari lalu", "2 weeks ago"). A year, or
    a month a year or more back, is the time of an event as often as of its story ("tsunami 5 tahun lalu"), so it
    counts as named outright (see `TimeRange.relative`): a range no article falls in is then part of the topic."""
    if unit == "day":
        return TimeRange(today - timedelta(days=count), today - timedelta(days=count))
    if unit == "week":
        start = _week_start(today) - timedelta(weeks=count)
        return TimeRange(start, start + timedelta(days=6))
    if unit == "month":
        return replace(_month(*_months_back(today, count)), relative=count < 12)
    return TimeRange(date(today.year - count, 1, 1), date(today.year - count, 12, 31), relative=False)


def _latest_day(today: date, months: Iterable[tuple[int, int]], day: int) -> TimeRange | None:
    """Day `day` of the first of `months` (year, month; newest first) that has such a day on or before today; a date
    named outright, not relative to today (see `TimeRange.relative`)."""
    for year, month in months:
        found = _day(year, month, day)
        if found is not None and found.start <= today:
            return found
    return None


def _last_date(today: date, month: int, day: int) -> TimeRange | None:
    """The latest `day` of `month` up to today ("29 November" in December is this year's, in January last year's;
    "29 Februari" the last leap year's); None for a date no year has ("30 Februari")."""
    return _latest_day(today, ((year, month) for year in range(today.year, today.year - 9, -1)), day)


def _last_day_numbered(today: date, day: int) -> TimeRange | None:
    """The latest day numbered `day` up to today ("tanggal 29" on 2 December is 29 November)."""
    return _latest_day(today, (_months_back(today, back) for back in range(12)), day)


def _week_start(day: date) -> date:
    return day - timedelta(days=day.weekday())


def _since_weekday(today: date, weekday: int) -> TimeRange:
    """From the latest such weekday (today, if it is one) to today."""
    return TimeRange(today - timedelta(days=(today.weekday() - weekday) % 7), today)


Reading = Callable[[re.Match[str]], "TimeRange | None"] | TimeRange
"""How a matched expression becomes a range: a function of the match, or a fixed range."""


def _rules(today: date) -> list[tuple[re.Pattern[str], Reading]]:
    """Each time expression with how it becomes a range, longest forms first."""
    yesterday = today - timedelta(days=1)
    last_week = _week_start(today) - timedelta(weeks=1)
    first_of_month = today.replace(day=1)
    before_month = first_of_month - timedelta(days=1)
    rules: list[tuple[str, Reading]] = [
        (rf"{_AT}(?:tanggal\s+)?(\d{{1,2}})\s+({_MONTH})\.?,?\s+{_YEAR}",
         lambda m: _day(int(m[3]), MONTHS[m[2].lower()], int(m[1]))),
        (rf"{_AT}({_MONTH})\.?\s+(\d{{1,2}}),?\s+{_YEAR}",
         lambda m: _day(int(m[3]), MONTHS[m[1].lower()], int(m[2]))),
        (rf"{_NOT_AFTER_COUNT}{_AT}(?:bulan\s+)?({_MONTH})\.?\s+(?:tahun\s+)?{_YEAR}",
         lambda m: _month(int(m[2]), MONTHS[m[1].lower()])),
        (rf"{_AT}(?:(?:tanggal|tgl\.?)\s+)?(\d{{1,2}})\s+{_NOT_MAY_VERB}({_MONTH})"
         rf"|{_AT}{_NOT_MAY_VERB}({_MONTH})\.?\s+(\d{{1,2}})",
         lambda m: _last_date(today, MONTHS[(m[2] or m[3]).lower()], int(m[1] or m[4]))),
        (rf"{_AT}(?:tanggal|tgl\.?)\s+(\d{{1,2}})\s+bulan\s+(ini|lalu|kemarin)",
         lambda m: _day(*_months_back(today, 0 if m[2].lower() == "ini" else 1), int(m[1]))),
        (rf"{_AT}(?:tanggal|tgl\.?)\s+(\d{{1,2}})(?!\.?\s*(?:{_MONTH}|{_UNIT})(?![\w-]))",
         lambda m: _last_day_numbered(today, int(m[1]))),
        (rf"(?:(\d+)\s+({_UNIT})\s+(?:yang\s+)?lalu|(\d+)\s+({_UNIT})\s+ago)",
         lambda m: _if_counted(m[1] or m[3], m[2] or m[4], lambda count, unit: _ago(today, count, unit))),
        (r"kemarin\s+lusa|kemaren\s+lusa", TimeRange(today - timedelta(days=2), today - timedelta(days=2))),
        (rf"(?:{_AT}|\b)(?:(?:the\s+)?(?:last|past)\s+(\d+)\s+({_UNIT})"
         rf"|(\d+)\s+({_UNIT})\s+(?:terakhir|belakangan|ini))",
         lambda m: _if_counted(m[1] or m[3], m[2] or m[4], lambda count, unit: _back(today, count, unit))),
        (rf"(?:sejak|since|from)\s+(?:hari\s+)?({_WEEKDAY})(?:\s+(?:lalu|kemarin|last))?",
         lambda m: _since_weekday(today, WEEKDAYS[m[1].lower()])),
        (rf"(?:sejak|since)\s+(?:bulan\s+)?({_MONTH})\s+{_YEAR}",
         lambda m: TimeRange(date(int(m[2]), MONTHS[m[1].lower()], 1), today)),
        (rf"(?:sejak|since)\s+(?:tahun\s+)?{_YEAR}", lambda m: TimeRange(date(int(m[1]), 1, 1), today)),
        (rf"{_AT}tahun\s+{_YEAR}|\b(?:in|during|throughout)\s+{_YEAR}(?!\s*[-–]?\s*\d)",
         lambda m: TimeRange(date(int(m[1] or m[2]), 1, 1), date(int(m[1] or m[2]), 12, 31), relative=False)),
        (rf"{_AT}(?:hari\s+ini|today|tonight|malam\s+ini|pagi\s+ini|this\s+morning)", TimeRange(today, today)),
        (rf"{_AT}(?:kemarin|kemaren|yesterday)", TimeRange(yesterday, yesterday)),
        (rf"{_NOT_AFTER_COUNT}{_AT}(?:minggu|pekan)\s+(?:lalu|kemarin)|{_AT}last\s+week",
         TimeRange(last_week, last_week + timedelta(days=6))),
        (rf"{_NOT_AFTER_COUNT}{_AT}(?:minggu|pekan)\s+ini|{_AT}this\s+week", TimeRange(_week_start(today), today)),
        (rf"{_NOT_AFTER_COUNT}{_AT}bulan\s+(?:lalu|kemarin)|{_AT}last\s+month",
         TimeRange(before_month.replace(day=1), before_month)),
        (rf"{_NOT_AFTER_COUNT}{_AT}bulan\s+ini|{_AT}this\s+month", TimeRange(first_of_month, today)),
        (rf"{_NOT_AFTER_COUNT}{_AT}tahun\s+(?:lalu|kemarin)|{_AT}last\s+year",
         TimeRange(date(today.year - 1, 1, 1), date(today.year - 1, 12, 31))),
        (rf"{_NOT_AFTER_COUNT}{_AT}tahun\s+ini|{_AT}this\s+year", TimeRange(date(today.year, 1, 1), today)),
    ]
    return [(re.compile(rf"{_WORD_START}(?:{pattern})(?![\w-])", re.IGNORECASE), make) for pattern, make in rules]


def _day(year: int, month: int, day: int) -> TimeRange | None:
    try:
        found = date(year, month, day)
    except ValueError:
        return None
    return TimeRange(found, found, relative=False)


def read_time(question: str, today: date) -> TimeQuestion:
    """The time a question names (the first expression found), its ask for the newest, and the rest of it."""
    found: TimeRange | None = None
    text = re.sub(r"\s+", " ", question)
    for pattern, make in _rules(today):
        match = pattern.search(text)
        if match is None:
            continue
        found = make if isinstance(make, TimeRange) else make(match)
        if found is not None:
            text = text[: match.start()] + " " + text[match.end():]
            break
    text, recent = RECENT.subn(" ", text)
    text = _tidy(text)
    words = re.findall(r"[\w'-]+", text.lower())
    timed = found is not None or bool(recent)
    return TimeQuestion(found, bool(recent), text if timed else question, timed and all(w in NEWS_WORDS for w in words))


def read_recency(question: str) -> TimeQuestion | None:
    """The question's ask for the newest alone (its dates left as words of its topic); None when it has none."""
    text, recent = RECENT.subn(" ", question)
    return TimeQuestion(None, True, _tidy(text), False) if recent else None


def _tidy(text: str) -> str:
    """Spaces collapsed and stray spaces before punctuation removed."""
    return re.sub(r"\s+([?.!,])", r"\1", re.sub(r"\s+", " ", text)).strip()
