"""What kind of answer a question expects (person, time, number, place, a name) and how much a sentence offers one."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from retrieval.indexes.lexical import without_nya
from retrieval.ingest.text import joined_figures

PERSON, TIME, NUMBER, PLACE, NAME = "person", "time", "number", "place", "name"

_CLOCK_CUE = r"(jam|pukul) berapa(kah)?|what time"
"""A question asking the time of day: a time question whose answer is a clock time rather than a day."""
_TYPE_CUES: tuple[tuple[str, re.Pattern[str]], ...] = (
    (TIME, re.compile(r"\b(kapan(kah)?|when|tahun berapa(kah)?|(what|which) year|pada tahun(?!\s*\d)|"
                      + _CLOCK_CUE + r"|"
                      r"tanggal berapa(kah)?|what date|abad ke\s?berapa|which century|bulan apa(kah)?|what month)\b")),
    (NUMBER, re.compile(r"\b(berapa(kah)?|how (many|much|long|old|far|tall|big|large|deep|high|wide|heavy|fast|strong)|"
                        r"jumlah|what percentage)\b")),
    (PERSON, re.compile(r"\b(siapa(kah)?|who|whom|whose)\b")),
    (PLACE, re.compile(r"\b(di ?mana(kah)?|ke ?mana(kah)?|dari ?mana(kah)?|where|"
                       r"(which|what) (country|city|province|region)|"
                       r"(negara|kota|provinsi|daerah|wilayah) (apa|mana)(kah)?|"
                       r"in which(?! (year|century|month|day)))\b")),
    (NAME, re.compile(r"\b((apa(kah)?|what) (nama|judul|julukan|gelar|name|title)|"
                      r"(nama|judul|julukan|gelar) apa(kah)?|"
                      r"(diberi|bernama|disebut|dijuluki|dinamakan) (nama )?apa(kah)?|what is (it|he|she) called)\b")),
)
_MONTHS = ("januari februari maret april mei juni juli agustus september oktober november desember january "
           "february march may june july august october december").split()
_YEAR = re.compile(r"\b(1[0-9]{3}|20[0-9]{2})\b")
_DATE = re.compile(r"\b(" + "|".join(_MONTHS) + r"|abad|century|masehi|hijriah|bc|ad)\b", re.IGNORECASE)
_NUMBER = re.compile(r"\b\d[\d.,]*\b|\b(satu|dua|tiga|empat|lima|enam|tujuh|delapan|sembilan|sepuluh|belas|puluh|"
                     r"ratus|ribu|juta|miliar|triliun|persen|one|two|three|four|five|six|seven|eight|nine|ten|"
                     r"hundred|thousand|million|billion|percent)\b", re.IGNORECASE)
_TOKEN = re.compile(r"[\w'’-]+")


def expected_type(question: str) -> str | None:
    """The answer type a question asks for, from its first question word in Indonesian or English: "darimana …
    pada tahun 2005?" asks a place, "berapa jumlah … pada tahun 1997?" a number."""
    lowered = question.lower()
    found = [(match.start(), order, kind) for order, (kind, cue) in enumerate(_TYPE_CUES)
             if (match := cue.search(lowered))]
    return min(found)[2] if found else None


def _new_tokens(sentence: str, question_words: set[str]) -> list[str]:
    """Tokens of the sentence that the question does not already contain."""
    return [t for t in _TOKEN.findall(joined_figures(sentence)) if t.lower() not in question_words]


def name_density(tokens: list[str]) -> float:
    """Share of tokens after the first that look like name parts (capital, then lower case): lists of people."""
    rest = tokens[1:]
    return sum(len(t) > 1 and t[0].isupper() and t[1].islower() for t in rest) / len(rest) if rest else 0.0


def names_offered(sentence: str, question_words: set[str]) -> float:
    """0..1: how much of the sentence, beyond the question's words, looks like names."""
    return name_density(_new_tokens(sentence, question_words))


def evidence(sentence: str, kind: str | None, question_words: set[str]) -> float:
    """0..1: how much the sentence offers an answer of the expected kind that the question does not contain. A name
    asked by "apa nama …" weighs only in the key sentence: in passage reranking it moved passages both ways."""
    if kind in (PERSON, PLACE):
        return names_offered(sentence, question_words)
    fresh = " ".join(_new_tokens(sentence, question_words))
    if kind == TIME:
        return 1.0 if _YEAR.search(fresh) or _DATE.search(fresh) else 0.0
    if kind == NUMBER:
        return 1.0 if _NUMBER.search(fresh) else 0.0
    return 0.0


_DIGIT = re.compile(r"\d")
_NUMBER_WORDS = frozenset(
    "dua tiga empat lima enam tujuh delapan sembilan sepuluh sebelas belas puluh ratus ribu juta miliar triliun "
    "seratus seribu setengah persen two three four five six seven eight nine ten eleven twelve dozen dozens hundred "
    "hundreds thousand thousands million millions billion percent half".split())
_TIME_WORDS = frozenset(_MONTHS) | frozenset(
    "senin selasa rabu kamis jumat sabtu minggu monday tuesday wednesday thursday friday saturday sunday "
    "abad century masehi hijriah pukul".split())
_CURRENCY = frozenset("rp us usd eur euro dollar dolar rupiah".split())
_PEOPLE = frozenset("orang warga penduduk jiwa korban pengunjung penumpang siswa pekerja penonton suporter people "
                    "persons residents victims visitors passengers workers students spectators fans supporters".split())
_PRICE = frozenset("harga biaya tarif ongkos denda nilai modal anggaran gaji cost costs price prices fare fee fine "
                   "worth paid pay spent budget salary".split())
_MONEY = re.compile(r"[$€£¥]\s?\d|\b(rp|usd|idr|eur)\.?\s?\d|\d\s?(dollars?|dolar|rupiah|euros?)\b", re.IGNORECASE)
_MEASURES: tuple[tuple[frozenset[str], frozenset[str]], ...] = tuple(
    (frozenset(measure.split()), frozenset(units.split())) for measure, units in (
        ("luas area", "km km2 km² ha hektar hektare m2 m² persegi mil2 acres square"),
        ("tinggi panjang jarak kedalaman tall high long far deep height length distance",
         "m meter meters metres km kilometer kilometers kilometres cm mil miles mile feet ft kaki"),
        ("berat bobot heavy weigh weight", "kg kilogram kilograms ton tons tonnes gram grams pounds lb"),
        ("umur usia old age", "tahun years aged age usia umur"),
        ("suhu temperature", "derajat degrees celsius fahrenheit"),
        ("penduduk populasi population inhabitants", "jiwa orang penduduk people inhabitants residents"),
        (" ".join(_PEOPLE), " ".join(_PEOPLE)),
    ))
_LEADING_DIGITS = re.compile(r"^[\d.,]+")
"""A number's digits, to find a unit written onto it ("08km²" of "4275,08km²")."""
_DOER_FOLLOWS = frozenset("oleh by kata ujar tutur said".split())
_DOER_PRECEDES = frozenset("said says told mengatakan menyatakan menjelaskan".split())


def _before_time_word(tokens: list[str], i: int) -> bool:
    """Whether token i is a number right before a month, weekday or the like ("27 Agustus")."""
    return bool(_DIGIT.search(tokens[i])) and i + 1 < len(tokens) and tokens[i + 1].lower() in _TIME_WORDS


def _capitalised(token: str) -> bool:
    """A name part: a capital, then lower case."""
    return len(token) > 1 and token[0].isupper() and token[1:2].islower()


def slot_tokens(tokens: list[str], kind: str | None, question_words: frozenset[str]) -> list[int]:
    """Positions of tokens that could be the answer of the asked kind and that the question does not contain."""
    found = []
    for i, token in enumerate(tokens):
        lower = token.lower()
        if lower in question_words:
            continue
        if kind == NUMBER and (_DIGIT.search(token) or lower in _NUMBER_WORDS or lower in _CURRENCY):
            found.append(i)
        elif kind == TIME and (_YEAR.fullmatch(token) or lower in _TIME_WORDS or _before_time_word(tokens, i)):
            found.append(i)
        elif kind in (PERSON, PLACE, NAME) and i > 0 and _capitalised(token):
            found.append(i)
    return found


@lru_cache(maxsize=1024)
def _asked_units(question_words: frozenset[str]) -> frozenset[str]:
    """The units of the measures the question asks about, a measure asked with -nya too ("luasnya", "penontonnya")."""
    asked = question_words | {without_nya(w) for w in question_words}
    return frozenset().union(*(u for measure, u in _MEASURES if not asked.isdisjoint(measure)))


NOUN_COUNT = 0.5
"""How surely a number followed by the question's noun counts it, against 1 for the asked measure's unit or money:
"2.000 ton" answers "berapa besar kapal …" more surely than "1.000 orangutan" answers "berapa jumlah orangutan …
pada tahun 1997"."""


def counted(sentence: str, tokens: list[str], slots: list[int], in_question: list[bool],
            question_words: frozenset[str]) -> float:
    """How surely a number counts what the question asks about: the unit of the asked measure follows it ("1.200
    warga" for people, "11.420 Ha" for an area) or it is money ("$11 million") when the question asks a price (1), or
    the question's noun follows it ("Eleven children", `NOUN_COUNT`). A year is no count of the noun after it ("pada
    tahun 1999 Kabupaten Banggai …")."""
    if not question_words.isdisjoint(_PRICE) and _MONEY.search(sentence):
        return 1.0
    units = _asked_units(question_words)
    noun = False
    for slot in slots:
        if _LEADING_DIGITS.sub("", tokens[slot]).lower() in units:
            return 1.0
        year = bool(_YEAR.fullmatch(tokens[slot]))
        for after in range(slot + 1, min(slot + 3, len(tokens))):
            if tokens[after].lower() in units:
                return 1.0
            noun = noun or (in_question[after] and not year)
    return NOUN_COUNT if noun else 0.0


def agent(tokens: list[str], slots: list[int]) -> bool:
    """Whether a name is the doer of the sentence's action: after "oleh"/"by", a passive verb ("dicetak
    Marselino") or "kata"/"ujar", or before a verb of saying ("Smith said")."""
    for slot in slots:
        before = tokens[slot - 1].lower() if slot else ""
        after = tokens[slot + 1].lower() if slot + 1 < len(tokens) else ""
        if before in _DOER_FOLLOWS or after in _DOER_PRECEDES or (before.startswith("di") and len(before) > 4):
            return True
    return False


_PLACE_CUES = frozenset("di dari ke in at from near provinsi kota kabupaten negara pulau province city island".split())


def located(tokens: list[str], slots: list[int]) -> bool:
    """Whether a name stands as a place: right after "di"/"dari"/"in"/"from", "Provinsi", "Kota" and the like."""
    return any(slot and tokens[slot - 1].lower() in _PLACE_CUES for slot in slots)


_ASKS_DEFINITION = re.compile(r"\b(dimaksud|maksud|pengertian|arti|artinya|definisi|apa itu|apakah itu|what is meant|"
                              r"definition|defined)\b", re.IGNORECASE)
_DEFINES = re.compile(r"\b(adalah|merupakan|ialah|yaitu|yakni|berarti|(merujuk|mengacu) (pada|kepada)|diartikan|"
                      r"didefinisikan|is an?|are|refers to|means)\b", re.IGNORECASE)


def asks_definition(question: str) -> bool:
    """Whether the question asks what something is or means ("apa yang dimaksud dengan …", "pengertian …")."""
    return bool(_ASKS_DEFINITION.search(question))


def defines(sentence: str) -> bool:
    """Whether the sentence defines something early on ("Herbivor … adalah hewan yang …")."""
    match = _DEFINES.search(sentence)
    return bool(match) and len(sentence[:match.start()].split()) <= 12


_FULL_DATE = re.compile(r"\b\d{1,2}\s+(" + "|".join(_MONTHS) + r")\b|\b(" + "|".join(_MONTHS) + r")\s+\d{1,2}\b|"
                        r"\b\d{1,2}/\d{1,2}\b", re.IGNORECASE)
_MONTH_YEAR = re.compile(r"\b(" + "|".join(_MONTHS) + r")\s+(1[0-9]{3}|20[0-9]{2})\b", re.IGNORECASE)


def date_precision(sentence: str) -> float:
    """How precise the sentence's date is: a day (1), a month and year (0.5), none (0); "kapan" questions are
    mostly answered with the day."""
    if _FULL_DATE.search(sentence):
        return 1.0
    return 0.5 if _MONTH_YEAR.search(sentence) else 0.0


@dataclass(frozen=True)
class Cue:
    """An answer asked in so many words and the wording that gives it: "jam berapa" and a clock time, "mengapa" and
    "karena"."""

    asked: re.Pattern[str]
    given: re.Pattern[str]

    def asks(self, question: str) -> bool:
        """Whether the question asks for this answer."""
        return bool(self.asked.search(question))

    def gives(self, sentence: str) -> bool:
        """Whether the sentence words such an answer."""
        return bool(self.given.search(sentence))


CLOCK = Cue(re.compile(rf"\b({_CLOCK_CUE})\b", re.IGNORECASE),
            re.compile(r"\b(pukul|jam)\s+\d{1,2}\b|\b\d{1,2}[.:]\d{2}\s*(wib|wita|wit)\b|\b\d{1,2}:\d{2}\b|"
                       r"\b\d{1,2}\s*(am|pm|a\.m\.|p\.m\.)(?!\w)|\bo'clock\b", re.IGNORECASE))
"""The time of day ("jam berapa …?", "what time …?") rather than the day: "pukul 06.00-10.00", "21.05 WIB", "7 pm"."""
CAUSE = Cue(re.compile(r"\b(penyebab|sebab|mengapa|kenapa|alasan|why|cause|caused|reason)\b", re.IGNORECASE),
            re.compile(r"\b(karena|akibat|disebabkan|diakibatkan|menyebabkan|sebab|lantaran|because|due to|"
                       r"caused by|as a result|owing to)\b", re.IGNORECASE))
"""Why something happened ("apa penyebab …", "mengapa …", "why …"): "… terjadi karena …", "… because …"."""
