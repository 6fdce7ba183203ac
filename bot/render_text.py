"""Plain-text rendering of answers and articles for the command line."""

from __future__ import annotations

import textwrap
from typing import TYPE_CHECKING

from bot.messages import text
from bot.render_html import also_in_names, date_text, distinct, listed_day, not_found_lines
from retrieval.answer import Answer, AnswerPassage, Certainty, Citation
from retrieval.ranking.excerpt import excerpt

if TYPE_CHECKING:
    from retrieval.library import ArticleInfo

BOLD, YELLOW, DIM, RESET = "\033[1m", "\033[33m", "\033[2m", "\033[0m"


def citation_line(citation: Citation, lang: str = "en") -> str:
    """Title · source · date · link, leaving out what is unknown."""
    return " · ".join(distinct(citation.title or text(lang, "article_number", id=citation.id), citation.source,
                               date_text(citation.published_at), citation.url))


def _highlighted(passage: AnswerPassage, color: bool, excerpt_chars: int | None) -> str:
    """The passage (or, when longer than `excerpt_chars`, the sentences around its key sentence, marked with …)
    with its key sentence marked: ANSI bold yellow on a terminal, **…** otherwise."""
    shown = excerpt(passage.text, passage.highlight, excerpt_chars, passage.article.title or "")
    on, off = ((BOLD + YELLOW, RESET) if color else ("**", "**")) if shown.key else ("", "")
    return shown.before + on + shown.key + off + shown.after


def render_answer(answer: Answer, color: bool = False, excerpt_chars: int | None = None, lang: str = "en") -> str:
    """The passages worth reading, numbered, each followed by its citation and the other sources of its story; an
    unsure answer first says so, a not-found one says so in a line and shows the nearest passage alone (in `lang`:
    the command line speaks English, `tanya chat` the chat's language)."""
    if answer.vague:
        return text(lang, "ask_vague")
    if not answer.passages:
        return not_found_lines(lang, answer.empty_time)[0] if answer.empty_time else text(lang, "cli_empty_library")
    passages, lines = answer.shown, []
    if answer.confidence is Certainty.UNSURE:
        lines = [text(lang, "unsure"), ""]
    elif answer.confidence is Certainty.NOT_FOUND:
        nothing = not_found_lines(lang, answer.empty_time, answer.unanswered_time)
        passages, lines = passages[:1], ["\n".join(nothing), ""]
    elif answer.by_date:
        lines = [text(lang, "by_date"), ""]
    for passage in passages:
        body = textwrap.fill(_highlighted(passage, color, excerpt_chars), width=100,
                             initial_indent=f"[{passage.rank}] ", subsequent_indent="    ")
        cite = f"    — {citation_line(passage.article, lang)} (score {passage.score:.3f})"
        also = [f"    {text(lang, 'also_in', sources=also_in_names(passage))}"] if passage.also_in else []
        lines += [body, (DIM + cite + RESET) if color else cite, *also, ""]
    return "\n".join(lines).rstrip()


def render_timeline(answer: Answer, lang: str = "en") -> str:
    """A topic's key sentences, oldest first, each after its date and followed by its citation."""
    lines = [text(lang, "timeline_title", topic=answer.question), ""]
    for passage in answer.passages:
        day = date_text(passage.article.published_at) or "—"
        lines += [textwrap.fill(passage.key_sentence, width=100, initial_indent=f"{day}  ", subsequent_indent="    "),
                  f"    — {citation_line(passage.article, lang)}", ""]
    return "\n".join(lines).rstrip()


def render_article_line(info: ArticleInfo, zone: str, lang: str = "en") -> str:
    """One line per article for listings, dated as the bot's /sources dates it (see `listed_day`)."""
    date = listed_day(info, zone)
    details = distinct(info.title or text(lang, "untitled"), info.source, date, text(lang, "chunks", chunks=info.chunks))
    return f"#{info.id}  " + " · ".join(details)
