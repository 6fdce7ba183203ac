"""The inline keyboards under the bot's messages; every button's data is signed for the chat it is sent to and
carries the language of the message it sits under, so that pressing it answers in that language, whoever presses."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.access import CallbackSigner
from bot.conversation import AnswerView
from bot.messages import LANGUAGES, text
from retrieval.answer import AnswerPassage


LANGUAGE_MARK = "~"


def button_data(signer: CallbackSigner, chat_id: int, payload: str, lang: str) -> str:
    """A button's signed data: the payload marked with the language of the message the button sits under."""
    return signer.sign(chat_id, f"{lang}{LANGUAGE_MARK}{payload}")


def button_language(payload: str) -> tuple[str | None, str]:
    """The language a button's verified payload is marked with (None for buttons made before the mark), and the
    payload without it."""
    lang, mark, rest = payload.partition(LANGUAGE_MARK)
    return (lang, rest) if mark and lang in LANGUAGES else (None, payload)


def context_button(signer: CallbackSigner, chat_id: int, passage: AnswerPassage, lang: str) -> InlineKeyboardButton:
    """The 'context [n]' button of a passage; its data carries the key sentence, which the context view bolds
    (left out in the unlikely case that it would not fit Telegram's 64 bytes)."""
    payload = f"ctx:{passage.article.id}:{passage.char_start}:{passage.char_end}:{passage.rank}"
    mark = f":{passage.highlight[0]}:{passage.highlight[1]}" if passage.highlight else ""
    try:
        data = button_data(signer, chat_id, payload + mark, lang)
    except ValueError:
        data = button_data(signer, chat_id, payload, lang)
    return InlineKeyboardButton(text(lang, "context", n=passage.rank), callback_data=data)


def more_button(signer: CallbackSigner, chat_id: int, key: str, offset: int, lang: str) -> InlineKeyboardButton:
    """The 'more passages' button: the answer's passages from `offset` on."""
    data = button_data(signer, chat_id, f"more:{key}:{offset}", lang)
    return InlineKeyboardButton(text(lang, "more"), callback_data=data)


def answer_keyboard(signer: CallbackSigner, chat_id: int, view: AnswerView, lang: str) -> InlineKeyboardMarkup | None:
    """A context button per shown passage, and a 'more passages' button when more exist."""
    more = more_button(signer, chat_id, view.key, len(view.shown), lang) if view.has_more else None
    return passages_keyboard(signer, chat_id, view.shown, more, lang)


def passages_keyboard(signer: CallbackSigner, chat_id: int, passages: list[AnswerPassage],
                      more: InlineKeyboardButton | None, lang: str) -> InlineKeyboardMarkup | None:
    """A context button per passage, and the 'more passages' button when there is one."""
    rows = [[context_button(signer, chat_id, p, lang) for p in passages]] if passages else []
    if more is not None:
        rows.append([more])
    return InlineKeyboardMarkup(rows) if rows else None


def sources_keyboard(signer: CallbackSigner, chat_id: int, offset: int, page: int, older: bool,
                     lang: str) -> InlineKeyboardMarkup | None:
    """The newer/older buttons of a /sources page starting at `offset`, where they lead somewhere."""
    buttons = []
    if offset > 0:
        newer_page = button_data(signer, chat_id, f"src:{max(0, offset - page)}", lang)
        buttons.append(InlineKeyboardButton(text(lang, "newer"), callback_data=newer_page))
    if older:
        older_page = button_data(signer, chat_id, f"src:{offset + page}", lang)
        buttons.append(InlineKeyboardButton(text(lang, "older"), callback_data=older_page))
    return InlineKeyboardMarkup([buttons]) if buttons else None


def delete_keyboard(signer: CallbackSigner, chat_id: int, article_id: int, lang: str) -> InlineKeyboardMarkup:
    """The buttons confirming or cancelling the deletion of an article."""
    confirm = InlineKeyboardButton(text(lang, "delete_button", id=article_id),
                                   callback_data=button_data(signer, chat_id, f"del:{article_id}", lang))
    cancel = InlineKeyboardButton(text(lang, "cancel_button"),
                                  callback_data=button_data(signer, chat_id, f"keep:{article_id}", lang))
    return InlineKeyboardMarkup([[confirm, cancel]])
