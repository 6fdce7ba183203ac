"""Messages that are not questions about the news — thanks, greetings, a bare "ok" or an emoji, or asking what the
bot can do — told apart from questions, so that they get a friendly line (or the how-to) instead of a search that
would quote some passage as "maybe related"."""

from __future__ import annotations

import re
from enum import StrEnum

from retrieval.ingest.substance import GREETINGS


class SmallTalk(StrEnum):
    """What a message that asks nothing says."""

    THANKS = "thanks"
    GREETING = "greeting"
    ACK = "ack"
    HELP = "help"


_GREETING = (rf"({GREETINGS}|hallo|hei|hi|hey|pagi|siang|sore|malam|assalamu'?alaikum|apa kabar|"
             r"gimana kabar(nya)?|how are you|how's it going)( (bot|semua|kak|min|there|today))?")
_ACK = (r"(ok|oke|okay|okey|sip|siap|mantap|mantab|baik|noted|hmm+|hm+|wow|oh|ah|ya|yes|yup|nice|"
        r"cool|great|good|keren|paham|oh begitu|i see)( (ya|deh|dong|sip|thanks))*")
_KINDS = (
    (SmallTalk.THANKS, r"(terima ?kasih|trima ?kasih|makasih|makasi|mkasih|maksih|mksh|trims|tks|tengkyu|"
                       r"thanks?|thank (you|u)|thx|tq|ty)( (banyak|banget|bgt|sekali|yah|ya+|bot|kak|min|bro|sis|"
                       r"so much|a lot|lots))*"),
    (SmallTalk.GREETING, _GREETING),
    (SmallTalk.ACK, _ACK),
    (SmallTalk.HELP, r"(what can you do|what do you do|what are you|who are you|how do(es)? (this|it) work|"
                     r"how (do|can|should) i use (you|this|it)|help( me)?|bantuan|tolong|"
                     r"apa yang (bisa|dapat) (kamu|anda|kau) lakukan|(kamu|anda|kau)? ?bisa apa( saja| aja)?|"
                     r"siapa (kamu|anda)|((gimana|bagaimana) )?cara (pakai|makai|memakai|menggunakan)(nya)?)"
                     r"( (bot|ini|ya|dong|sih|kak|min))*"),
)
_PATTERNS = [(kind, re.compile(rf"(({_GREETING}|{_ACK}) )?({pattern})", re.IGNORECASE)) for kind, pattern in _KINDS]
"""Each kind may open with a greeting or an acknowledgement ("hi there, what can you do?", "ok makasih")."""
_WISHING = re.compile(rf"(({_GREETING}) )?(semoga|moga|have an? (nice|good|great|lovely|wonderful)|"
                      r"selamat (beraktivitas|bekerja|berlibur|beristirahat|istirahat|berakhir pekan))( [\w']+)*",
                      re.IGNORECASE)
"""Good wishes, perhaps after a greeting ("Selamat pagi semua! Semoga harinya menyenangkan ya", "have a nice day"): a
wish asks nothing, whatever it wishes for, unless it ends in a question mark."""
_NOT_WORDS = re.compile(r"[^\w\s']+", re.UNICODE)


def small_talk(message: str) -> SmallTalk | None:
    """The kind of small talk a whole message is, or None when it may be a question (or anything else): a message of
    emoji or punctuation alone is an acknowledgement, unless it asks ("?")."""
    words = " ".join(_NOT_WORDS.sub(" ", message).split())
    if not words:
        return SmallTalk.ACK if message.strip() and "?" not in message else None
    if "?" not in message and _WISHING.fullmatch(words):
        return SmallTalk.GREETING
    return next((kind for kind, pattern in _PATTERNS if pattern.fullmatch(words)), None)
