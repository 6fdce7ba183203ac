"""Telegram HTML rendering: every piece of text escaped, long replies split at passage boundaries."""

from __future__ import annotations

import html
from datetime import datetime
from zoneinfo import ZoneInfo

from bot.messages import text
from retrieval.answer import Answer, AnswerPassage, Certainty, Citation, PassageContext
from retrieval.asking.dating import article_day
from retrieval.ingest.extract import body_start, body_without_title
from retrieval.ingest.text import shortened
from retrieval.ranking.excerpt import excerpt, whole_sentences
from retrieval.ranking.timeframe import TimeRange

MESSAGE_LIMIT = 4096
SEPARATOR = "\n\n"
ARTICLE_PREVIEW_CHARS = 2500

Span = tuple[str, str | None]
Block = list[Span]


def escape(value: str) -> str:
    """Escape text (and attribute values) for Telegram's HTML parse mode."""
    return html.escape(value, quote=True)


def utf16_len(value: str) -> int:
    """Length as Telegram counts it."""
    return len(value.encode("utf-16-le")) // 2


def span_html(value: str, tag: str | None) -> str:
    """One span of text, escaped, wrapped in its tag (e.g. "b" or 'a href="…"'); an empty span is nothing."""
    if not tag or not value:
        return escape(value)
    name = tag.split(" ", 1)[0]
    return f"<{tag}>{escape(value)}</{name}>"


def block_html(block: Block) -> str:
    """A block's HTML."""
    return "".join(span_html(value, tag) for value, tag in block)


def block_len(block: Block) -> int:
    """A block's visible length."""
    return sum(utf16_len(value) for value, _ in block)


def link_tag(url: str) -> str:
    """An anchor tag for a URL."""
    return f'a href="{escape(url)}"'


def date_text(value: datetime | None) -> str | None:
    """A date as YYYY-MM-DD."""
    return value.date().isoformat() if value else None


def distinct(*parts: str | None) -> list[str]:
    """The given parts that are set, each once: a person's forward names them as source and author, and a title
    may be its source's name ("Budi · Budi" shows as "Budi")."""
    seen: set[str] = set()
    kept = []
    for part in parts:
        if part and part.strip().casefold() not in seen:
            seen.add(part.strip().casefold())
            kept.append(part)
    return kept


def citation_spans(citation: Citation) -> Block:
    """Title (linked when there is a URL) · source · date."""
    title = citation.title or f"#{citation.id}"
    spans: Block = [(title, link_tag(citation.url) if citation.url else None)]
    rest = distinct(title, citation.source, date_text(citation.published_at))[1:]
    if rest:
        spans.append((" · " + " · ".join(rest), None))
    return spans


def passage_block(passage: AnswerPassage, excerpt_chars: int | None = None, lang: str = "en") -> Block:
    """[n] passage text (or, when longer than `excerpt_chars`, whole sentences around its key sentence, marked
    with …) with its key sentence in bold, then its citation and the other sources of the same story."""
    shown = excerpt(passage.text, passage.highlight, excerpt_chars, passage.article.title or "")
    block: Block = [(f"[{passage.rank}] ", "b"), (shown.before, None), (shown.key, "b"), (shown.after, None),
                    ("\n— ", None)]
    also = [("\n" + text(lang, "also_in", sources=also_in_names(passage)), None)] if passage.also_in else []
    return block + citation_spans(passage.article) + also


def also_in_names(passage: AnswerPassage) -> str:
    """The other articles telling the passage's story, by source (or title)."""
    return ", ".join(dict.fromkeys(c.source or c.title or f"#{c.id}" for c in passage.also_in))


def answer_blocks(passages: list[AnswerPassage], found: bool | Certainty, lang: str,
                  excerpt_chars: int | None = None, by_date: bool = False, last_page: bool = False,
                  empty_time: TimeRange | None = None, unanswered_time: TimeRange | None = None) -> list[Block]:
    """The blocks of an answer: found, the passages (after a 'sorted by date' line when they are in date order);
    unsure, a short warning first; not found, one line and the nearest passage alone (when nothing is from the
    time the question named, the line says so, alone when there is no passage). The last page of 'more passages' ends saying there are no more."""
    if not passages:
        return [[(not_found_lines(lang, empty_time)[0], "b") if empty_time else (text(lang, "empty_library"), None)]]
    outcome = Certainty.of(found)
    head: list[Block] = [[(text(lang, "by_date"), "i")]] if by_date else []
    if outcome is Certainty.UNSURE:
        head = [[(text(lang, "unsure"), "b")]]
    elif outcome is Certainty.NOT_FOUND:
        nothing, nearest = not_found_lines(lang, empty_time, unanswered_time)
        head, passages = [[(nothing, "b"), ("\n" + nearest, None)]], passages[:1]
    tail: list[Block] = [[(text(lang, "no_more"), "i")]] if last_page else []
    return head + [passage_block(p, excerpt_chars, lang) for p in passages] + tail


def not_found_lines(lang: str, empty_time: TimeRange | None,
                    unanswered_time: TimeRange | None = None) -> tuple[str, str]:
    """What a not-found answer says before its nearest passage: nothing about this, nothing from that time, or
    nothing about this from that time (its days as the citations show them: one day, "first – last", or an open
    end)."""
    span = empty_time if empty_time is not None else unanswered_time
    if span is None:
        return text(lang, "nothing_found"), text(lang, "nearest")
    kind = "nothing" if empty_time is not None else "nothing_about"
    first, last = (day.isoformat() if day else None for day in (span.start, span.end))
    if first and last:
        nothing = text(lang, f"{kind}_then", when=" – ".join(dict.fromkeys((first, last))))
    elif first:
        nothing = text(lang, f"{kind}_since", day=first)
    else:
        nothing = text(lang, f"{kind}_until", day=last)
    return nothing, text(lang, "nearest_other_time")


def render_answer(passages: list[AnswerPassage], found: bool | Certainty, lang: str,
                  excerpt_chars: int | None = None, by_date: bool = False, last_page: bool = False,
                  empty_time: TimeRange | None = None, unanswered_time: TimeRange | None = None) -> list[str]:
    """An answer as one or more HTML messages of at most 4096 characters each."""
    return split_messages(answer_blocks(passages, found, lang, excerpt_chars, by_date, last_page, empty_time,
                                        unanswered_time))


def split_messages(blocks: list[Block], limit: int = MESSAGE_LIMIT) -> list[str]:
    """Pack blocks into messages, breaking only between blocks unless one block alone is too long."""
    messages: list[str] = []
    current: list[Block] = []
    size = 0
    for block in (piece for whole in blocks for piece in _cut_block(whole, limit)):
        length = block_len(block)
        if current and size + utf16_len(SEPARATOR) + length > limit:
            messages.append(SEPARATOR.join(block_html(b) for b in current))
            current, size = [], 0
        size += (utf16_len(SEPARATOR) if current else 0) + length
        current.append(block)
    if current:
        messages.append(SEPARATOR.join(block_html(b) for b in current))
    return messages


def _cut_block(block: Block, limit: int) -> list[Block]:
    """A block split into pieces that each fit a message, cutting at whitespace where possible."""
    if block_len(block) <= limit:
        return [block]
    pieces: list[Block] = []
    current: Block = []
    size = 0
    for value, tag in block:
        while value:
            room = limit - size
            if utf16_len(value) <= room:
                current.append((value, tag))
                size += utf16_len(value)
                break
            cut = _cut_point(value, room)
            if cut:
                current.append((value[:cut], tag))
                value = value[cut:]
            pieces.append(current)
            current, size = [], 0
    if current:
        pieces.append(current)
    return [piece for piece in pieces if block_len(piece)]


def _cut_point(value: str, room: int) -> int:
    """Where to cut `value` so that the head fits in `room`: the last space, else a hard cut."""
    end = min(len(value), room)
    while end and utf16_len(value[:end]) > room:
        end -= 1
    space = value.rfind(" ", 0, end)
    return space + 1 if space > end // 2 else end


def render_context(lang: str, rank: int, found: PassageContext, highlight: tuple[int, int] | None = None) -> list[str]:
    """The whole sentences around a passage, with its key sentence (`highlight`, relative to the passage) in bold
    and the citation under it, as an answer shows it (without the article's title line above it, as the citation
    shows the title). A passage without a key sentence (a listing's opening passage, an old button) has nothing
    bold: a whole passage in bold reads as shouting."""
    lo, hi = whole_sentences(found.text, found.start, found.end, found.cut_before, found.cut_after)
    key_start, key_end = ((found.start + highlight[0], found.start + highlight[1]) if highlight
                          else (found.start, found.start))
    key_start, key_end = max(key_start, lo), min(key_end, hi)
    before = "… " if lo > 0 or found.cut_before else ""
    title_end = 0 if found.cut_before else body_start(found.text, found.article.title or "")
    if lo == 0 and 0 < title_end and (highlight is None or title_end <= key_start):
        lo = title_end
        key_start, key_end = max(key_start, lo), max(key_end, lo)
    after = " …" if hi < len(found.text) or found.cut_after else ""
    block: Block = [(text(lang, "context_title", n=rank) + "\n\n", "b"),
                    (before + found.text[lo:key_start], None), (found.text[key_start:key_end], "b"),
                    (found.text[key_end:hi] + after, None), ("\n— ", None)]
    return split_messages([block + citation_spans(found.article)])


def listed_day(info, zone: str) -> str | None:
    """The day a listing shows for an article: its publication day, else the day it was added in the readers'
    time `zone` (the day "hari ini" finds it under)."""
    day = article_day(info.published_at, info.ingested_at, ZoneInfo(zone))
    return day.isoformat() if day else None


def render_sources(lang: str, articles: list, offset: int, zone: str) -> str:
    """One page of stored articles."""
    if not articles:
        return escape(text(lang, "sources_empty"))
    lines = [f"<b>{escape(text(lang, 'sources_title', start=offset + 1, end=offset + len(articles)))}</b>"]
    for info in articles:
        when = listed_day(info, zone)
        title = span_html(info.title or f"#{info.id}", link_tag(info.url) if info.url else None)
        details = " · ".join(distinct(info.source, when, text(lang, "chunks", chunks=info.chunks)))
        lines.append(f"#{info.id} {title} · {escape(details)}")
    return "\n".join(lines)


def render_latest(lang: str, articles: list, topic: str, offset: int, zone: str) -> str:
    """One page of /latest: the newest articles (on `topic` when given); without a topic and articles, how to add
    some."""
    if not articles:
        return escape(text(lang, "latest_none" if topic else "empty_library"))
    title = text(lang, "latest_topic_title", topic=topic) if topic else text(lang, "latest_title")
    lines = [f"<b>{escape(title)}</b>"]
    for number, info in enumerate(articles, offset + 1):
        when = listed_day(info, zone)
        name = span_html(info.title or f"#{info.id}", link_tag(info.url) if info.url else None)
        details = " · ".join(distinct(info.source, when))
        lines.append(f"{number}. {name} · {escape(details)} · /article {info.id}")
    return "\n".join(lines)


def render_timeline(lang: str, answer: Answer) -> list[str]:
    """/timeline: each article's key sentence on the topic, oldest first, after its date and before its citation."""
    head: Block = [(text(lang, "timeline_title", topic=answer.question), "b")]
    blocks = [[(f"{date_text(p.article.published_at) or '—'}  ", "b"), (p.key_sentence, None), ("\n— ", None)]
              + citation_spans(p.article) for p in answer.passages]
    return split_messages([head, *blocks])


def render_article(lang: str, info) -> list[str]:
    """One article: heading, details and the start of its text."""
    heading: Block = [(f"#{info.id} ", "b"), (info.title or "", "b")]
    details = distinct(info.source, info.author, date_text(info.published_at),
                       text(lang, "chunks", chunks=info.chunks))
    heading.append(("\n" + " · ".join(details), None))
    if info.url:
        heading += [("\n", None), (info.url, link_tag(info.url))]
    body = body_without_title(info.text, info.title or "")
    body = shortened(body, ARTICLE_PREVIEW_CHARS)
    return split_messages([heading, [(body, None)]])
