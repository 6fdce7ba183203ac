"""Feeds in Telegram: /subscribe, /feeds and /unsubscribe, with bad addresses refused in one line in the user's
language and INGEST_ADMINS_ONLY deciding who may change the feeds."""

from __future__ import annotations

from tests.bot_harness import exchange, wait_until
from bench.feed_site import FeedRoute, failing, long_text, rss
from bench.web import LocalSite, page

ADMIN = 601
USER = 602


def said(tg, chat: int, command: str, **kwargs) -> str:
    """The bot's one reply to a command."""
    return exchange(tg, chat, lambda: tg.command(chat, command, **kwargs))[0]["params"]["text"]


def test_subscribing_stores_the_feeds_articles_and_feeds_lists_them(tg, start_bot, bot_library) -> None:
    with LocalSite() as site, start_bot(bot_library):
        site.routes["/rss"] = FeedRoute(rss("Kabar Lokal", [
            {"link": site.url(f"/k/{n}"), "title": f"Kabar {n}", "content": long_text(f"Kabar lokal nomor {n}")}
            for n in range(2)]))
        subscribed = said(tg, USER, f"/subscribe {site.url('/rss')}")
        wait_until(lambda: bot_library.stats().articles == 2)
        wait_until(lambda: bot_library.feeds.list()[0].entries_stored == 2)
        listed = said(tg, USER, "/feeds")
        site.routes["/rss"] = failing(500)
        bot_library.repo.finish_feed_poll(1, {"next_due_at": bot_library.feeds.list()[0].last_success_at})
        bot_library.feeds.poll_due()
        listed_id = said(tg, USER, "/feeds", language_code="id")
        removed = said(tg, USER, "/unsubscribe 1")
        missing = said(tg, USER, "/unsubscribe 1")
    assert subscribed == "Subscribed to “Kabar Lokal” (feed #1). New articles arrive every 15 minutes."
    assert listed.startswith("Feeds:\n#1 Kabar Lokal: 2 articles, last success 20")
    assert "kesalahan terakhir: situs itu menjawab dengan status HTTP 500" in listed_id
    assert removed == "Unsubscribed from feed #1; its articles stay." and missing == "There is no feed #1."
    assert bot_library.stats().articles == 2


def test_bad_feed_addresses_get_one_line_in_the_users_language(tg, start_bot, bot_library) -> None:
    with LocalSite() as site, start_bot(bot_library):
        site.routes["/beranda"] = page("text/html", b"<html><body>Beranda tanpa feed</body></html>")
        site.routes["/rusak"] = page("application/rss+xml", b"<?xml version='1.0'?><rss version='2.0'><channel>"
                                     b"<title>R</title><item><title>a</title></channel>")
        english = said(tg, USER, f"/subscribe {site.url('/beranda')}")
        indonesian = said(tg, USER, f"/subscribe {site.url('/rusak')}", language_code="id")
        usage = said(tg, USER, "/subscribe")
    assert english == ("I could not subscribe: this address is not an RSS or Atom feed and the page names none; "
                       "send the feed's own address.")
    assert indonesian == ("Tidak bisa berlangganan: feed itu bukan XML yang valid; coba lagi nanti, atau periksa apakah "
                          "alamat itu memang feed situsnya.")
    assert usage.startswith("Send /subscribe followed by")
    assert bot_library.feeds.list() == []


def test_only_admins_change_feeds_when_ingest_is_for_admins_only(tg, start_bot, bot_library) -> None:
    with LocalSite() as site, start_bot(bot_library, admin_user_ids=frozenset({ADMIN}), ingest_admins_only=True):
        site.routes["/rss"] = FeedRoute(rss("Kabar Admin", []))
        refused = said(tg, USER, f"/subscribe {site.url('/rss')}")
        allowed = said(tg, ADMIN, f"/subscribe {site.url('/rss')}")
        not_removed = said(tg, USER, "/unsubscribe 1")
    assert refused == not_removed == "Sorry, only the bot's admins can add articles here."
    assert allowed.startswith("Subscribed to “Kabar Admin”") and len(bot_library.feeds.list()) == 1


def test_while_the_bot_runs_due_feeds_are_polled_in_the_background(bot_library) -> None:
    import asyncio

    from bot.access import Access, CallbackSigner
    from bot.conversation import Conversation
    from bot.handlers.feeds import poll_forever
    from bot.handlers.services import Services
    from bot.settings import BotSettings

    bot_library.settings = bot_library.settings.model_copy(update={"fetch_allow_private": True})
    svc = Services(Conversation(bot_library), Access(frozenset(), frozenset(), False), CallbackSigner("t"),
                   BotSettings(_env_file=None))

    async def run_until_stored() -> None:
        """Run the poller until the feed's entries are stored, then stop it as the bot's shutdown does."""
        poller = asyncio.get_running_loop().create_task(poll_forever(svc))
        for _ in range(600):
            if bot_library.stats().articles == 2:
                break
            await asyncio.sleep(0.05)
        poller.cancel()

    with LocalSite() as site:
        site.routes["/rss"] = FeedRoute(rss("Latar", [
            {"link": site.url(f"/l/{n}"), "title": f"Latar {n}", "content": long_text(f"Kabar latar nomor {n}")}
            for n in range(2)]))
        bot_library.feeds.subscribe(site.url("/rss"))
        asyncio.run(run_until_stored())
    assert bot_library.stats().articles == 2 and bot_library.feeds.list()[0].entries_stored == 2
