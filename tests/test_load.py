"""Under load: 500 updates from 100 chats through the real bot and the fake Bot API on 127.0.0.1.

Each of 100 private chats asks three questions, forwards one channel post and sends one link, pushed in a
seeded random order at a steady rate. Every update must be answered exactly once, in its own chat: three
answers that cite the articles that chat asked about, one notice for the forward and one for the link.
Then the same chats go again while Telegram answers a share of sendMessage and getUpdates calls with 429
(flood wait) or 502 (bad gateway): still nothing is lost and nothing is sent twice.

Latency (update pushed -> its reply recorded by the fake server) is printed as p50/p95 and written to
bench/results/load_test.json; there are no timing assertions.
"""

from __future__ import annotations

import json
import random
import statistics
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from crash_driver import make_article, make_articles, place_name
from retrieval.library import Library
from tests.fake_telegram import FakeTelegram
from tests.bot_harness import web_pages

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results" / "load_test.json"
CHATS = list(range(5000, 5100))
LIBRARY_ARTICLES = 20
FORWARD_POOL = [make_article(100 + i, 41) for i in range(20)]
LINK_POOL = [make_article(200 + i, 41) for i in range(10)]
PUSH_INTERVAL = 0.03
PHASE_TIMEOUT = 150.0


@dataclass
class Sent:
    """One update pushed to the bot."""

    chat: int
    kind: str  # "question", "forward" or "link"
    place: str  # the village the question, post or page is about
    pushed: float


@dataclass
class Phase:
    """The updates of one load phase and what came back."""

    name: str
    sent: list[Sent] = field(default_factory=list)
    latencies: dict[str, list[float]] = field(default_factory=lambda: {"question": [], "forward": [], "link": []})
    seconds: float = 0.0
    faults: int = 0
    api_calls: dict[str, int] = field(default_factory=dict)


def page_html(index: int) -> bytes:
    """A news page for one of the link articles."""
    article = LINK_POOL[index]
    paragraphs = "".join(f"<p>{p}</p>" for p in article.text.split("\n\n"))
    return (f"<html><head><title>{article.title}</title><meta property='og:site_name' content='Kabar Desa'></head>"
            f"<body><article><h1>{article.title}</h1>{paragraphs}</article></body></html>").encode()


def plan(rng: random.Random, questions: int, forwards: int, links: int) -> list[tuple[int, str, int]]:
    """(chat, kind, index) for every update of a phase, shuffled; indexes pick the article concerned."""
    items = []
    for chat in CHATS:
        for q in range(questions):
            items.append((chat, "question", (chat + 7 * q) % LIBRARY_ARTICLES))
        for _ in range(forwards):
            items.append((chat, "forward", rng.randrange(len(FORWARD_POOL))))
        for _ in range(links):
            items.append((chat, "link", rng.randrange(len(LINK_POOL))))
    rng.shuffle(items)
    return items


def push(tg: FakeTelegram, site: str, library_articles, chat: int, kind: str, index: int, serial: int) -> Sent:
    """Send one update as a user would."""
    if kind == "question":
        article = library_articles[index]
        tg.text_message(chat, article.question, language_code="id")
        return Sent(chat, kind, place_name(index), time.time())
    if kind == "forward":
        article = FORWARD_POOL[index]
        tg.forwarded_channel_post(chat, article.text, channel_title="Kabar Desa", channel_username="kabardesa",
                                  channel_message_id=1000 + serial, date=1718755200)
        return Sent(chat, kind, place_name(100 + index), time.time())
    tg.text_message(chat, f"{site}/berita/{index}")
    return Sent(chat, kind, place_name(200 + index), time.time())


def replies(tg: FakeTelegram, chat: int, since: float) -> list[dict]:
    """The bot's sendMessage calls to a chat recorded after `since`, in order."""
    return [c for c in tg.calls("sendMessage") if c["params"].get("chat_id") in (chat, str(chat)) and c["time"] >= since]


def is_answer(call: dict) -> bool:
    """Answers are HTML with buttons under their last part; notices are plain text."""
    return call["params"].get("parse_mode") == "HTML"


def run_phase(tg: FakeTelegram, site: str, library_articles, phase: Phase, items) -> None:
    """Push a phase's updates at a steady rate, wait for every reply, and check each was answered exactly once."""
    started = time.time()
    for serial, (chat, kind, index) in enumerate(items):
        phase.sent.append(push(tg, site, library_articles, chat, kind, index, serial))
        time.sleep(PUSH_INTERVAL)
    expected = {chat: sum(1 for s in phase.sent if s.chat == chat) for chat in CHATS}
    deadline = time.time() + PHASE_TIMEOUT
    while time.time() < deadline:
        if all(len(replies(tg, chat, started)) >= count for chat, count in expected.items()):
            break
        time.sleep(0.2)
    time.sleep(1.5)  # anything sent twice would show up now
    phase.seconds = time.time() - started
    for call in tg.calls():
        if call["time"] >= started and call["method"].lower() != "getupdates":
            phase.api_calls[call["method"]] = phase.api_calls.get(call["method"], 0) + 1
    lost, extra, wrong = [], [], []
    for chat in CHATS:
        mine = [s for s in phase.sent if s.chat == chat]
        got = replies(tg, chat, started)
        answers = [c for c in got if is_answer(c)]
        notices = [c for c in got if not is_answer(c)]
        questions = [s for s in mine if s.kind == "question"]
        ingests = [s for s in mine if s.kind != "question"]
        if len(answers) < len(questions) or len(notices) < len(ingests):
            lost.append((chat, len(answers), len(notices)))
        if len(answers) > len(questions) or len(notices) > len(ingests):
            extra.append((chat, [c["params"]["text"][:80] for c in got]))
        for question in questions:
            if not any(question.place in c["params"]["text"] for c in answers):
                wrong.append((chat, "answer about", question.place))
        for ingest in ingests:
            matching = [c for c in notices if ingest.place in c["params"]["text"]]
            if not matching or not matching[0]["params"]["text"].startswith(("Saved", "I already have")):
                wrong.append((chat, f"{ingest.kind} notice about", ingest.place, [c["params"]["text"][:90] for c in notices]))
        # Latency: pair the k-th update of a kind with the k-th reply of that kind in the chat.
        for kind, own in (("question", answers), ("forward", notices), ("link", notices)):
            pushed = sorted(s.pushed for s in mine if s.kind == kind)
            if kind == "question":
                done = sorted(c["time"] for c in own)
            else:
                places = {s.place for s in mine if s.kind == kind}
                done = sorted(c["time"] for c in own if any(p in c["params"]["text"] for p in places))
            phase.latencies[kind].extend(d - p for p, d in zip(pushed, done))
    assert not lost, f"{phase.name}: updates never answered (chat, answers, notices): {lost[:10]}"
    assert not extra, f"{phase.name}: updates answered more than once: {extra[:5]}"
    assert not wrong, f"{phase.name}: replies that do not match what the chat sent: {wrong[:10]}"


def percentile(values: list[float], share: float) -> float:
    """The value below which `share` of the values fall (nearest rank)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered)) - 1))] if ordered else float("nan")


def summary(phase: Phase) -> dict:
    """Counts and p50/p95 latencies of a phase, overall and per kind."""
    every = [v for values in phase.latencies.values() for v in values]
    per_kind = {kind: {"n": len(v), "p50_s": round(percentile(v, 0.5), 3), "p95_s": round(percentile(v, 0.95), 3)}
                for kind, v in phase.latencies.items() if v}
    return {"phase": phase.name, "updates": len(phase.sent), "chats": len({s.chat for s in phase.sent}),
            "seconds": round(phase.seconds, 1), "updates_per_second": round(len(phase.sent) / phase.seconds, 1),
            "injected_faults": phase.faults, "api_calls": phase.api_calls, "p50_s": round(percentile(every, 0.5), 3),
            "p95_s": round(percentile(every, 0.95), 3), "mean_s": round(statistics.fmean(every), 3), "by_kind": per_kind}


@pytest.mark.slow
def test_500_updates_from_100_chats_are_each_answered_once_in_their_own_chat_even_with_429_and_502(
    tg, start_bot, bot_library: Library
) -> None:
    """Questions, forwards and links from 100 chats; then again with Telegram failing a share of calls."""
    library_articles = make_articles(LIBRARY_ARTICLES, 41)
    list(bot_library.add_articles((a.item, _draft(a)) for a in library_articles))
    rng = random.Random(500)
    pages = {f"/berita/{i}": ("text/html", page_html(i)) for i in range(len(LINK_POOL))}
    clean, faulty = Phase("clean"), Phase("429/502")
    with web_pages(pages) as site, start_bot(bot_library) as running:
        run_phase(tg, site, library_articles, clean, plan(rng, questions=3, forwards=1, links=1))
        failed_before = len(tg.failed())
        tg.fail_ratio("sendMessage", 0.1, status=429, seed=1, retry_after=1)
        tg.fail_ratio("getUpdates", 0.05, status=502, seed=2)
        tg.fail_ratio("sendChatAction", 0.1, status=502, seed=3)
        second = plan(rng, questions=1, forwards=1, links=1)
        half = len(second) // 2
        run_phase_with_switch = [(second[:half], None), (second[half:], ("sendMessage", 0.1, 502))]
        for items, switch in run_phase_with_switch:
            if switch:
                tg.fail_ratio(switch[0], switch[1], status=switch[2], seed=4)
            faulty_part = Phase(faulty.name)
            run_phase(tg, site, library_articles, faulty_part, items)
            faulty.sent += faulty_part.sent
            faulty.seconds += faulty_part.seconds
            for method, count in faulty_part.api_calls.items():
                faulty.api_calls[method] = faulty.api_calls.get(method, 0) + count
            for kind, values in faulty_part.latencies.items():
                faulty.latencies[kind] += values
        tg.clear_faults()
        faulty.faults = len(tg.failed()) - failed_before
        assert not running.errors, running.errors[:3]
    statuses = {c["status"] for c in tg.failed()}
    assert {429, 502} <= statuses, f"the faults were not exercised: {statuses}"

    results = [summary(clean), summary(faulty)]
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=2))
    print()
    for r in results:
        kinds = ", ".join(f"{k} n={v['n']} p50 {v['p50_s']:.2f}s p95 {v['p95_s']:.2f}s" for k, v in r["by_kind"].items())
        print(f"load [{r['phase']}]: {r['updates']} updates from {r['chats']} chats in {r['seconds']} s "
              f"({r['updates_per_second']}/s), Bot API calls {r['api_calls']}, faults injected {r['injected_faults']}, "
              f"reply latency p50 {r['p50_s']:.2f} s, p95 {r['p95_s']:.2f} s ({kinds})")
    print(f"written to {RESULTS}")


def _draft(article):
    from retrieval.ingest.documents import ArticleDraft

    return ArticleDraft(text=article.text, title=article.title, source="Kabar Desa")
