"""The inline keyboards under the bot's messages; every button's data is signed for the chat it is sent to."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.access import CallbackSigner
from bot.conversation import AnswerView
from bot.messages import text
from retrieval.answer import AnswerPassage


def context_button(signer: CallbackSigner, chat_id: int, passage: AnswerPassage, lang: str) -> InlineKeyboardButton:
    """The 'context [n]' button of a passage."""
    payload = f"ctx:{passage.article.id}:{passage.char_start}:{passage.char_end}:{passage.rank}"
    return InlineKeyboardButton(text(lang, "context", n=passage.rank), callback_data=signer.sign(chat_id, payload))


def answer_keyboard(signer: CallbackSigner, chat_id: int, view: AnswerView, lang: str) -> InlineKeyboardMarkup | None:
    """A context button per shown passage, and a 'more passages' button when more exist."""
    rows = [[context_button(signer, chat_id, p, lang) for p in view.shown]] if view.shown else []
    if view.has_more:
        rows.append([InlineKeyboardButton(text(lang, "more"), callback_data=signer.sign(chat_id, f"more:{view.key}"))])
    return InlineKeyboardMarkup(rows) if rows else None


def context_keyboard(signer: CallbackSigner, chat_id: int, passages: list[AnswerPassage],
                     lang: str) -> InlineKeyboardMarkup:
    """A context button per passage (under the passages a 'more' button revealed)."""
    return InlineKeyboardMarkup([[context_button(signer, chat_id, p, lang) for p in passages]])


def sources_keyboard(signer: CallbackSigner, chat_id: int, offset: int, page: int, older: bool,
                     lang: str) -> InlineKeyboardMarkup | None:
    """The newer/older buttons of a /sources page starting at `offset`, where they lead somewhere."""
    buttons = []
    if offset > 0:
        newer_page = signer.sign(chat_id, f"src:{max(0, offset - page)}")
        buttons.append(InlineKeyboardButton(text(lang, "newer"), callback_data=newer_page))
    if older:
        older_page = signer.sign(chat_id, f"src:{offset + page}")
        buttons.append(InlineKeyboardButton(text(lang, "older"), callback_data=older_page))
    return InlineKeyboardMarkup([buttons]) if buttons else None


def delete_keyboard(signer: CallbackSigner, chat_id: int, article_id: int, lang: str) -> InlineKeyboardMarkup:
    """The button confirming the deletion of an article."""
    button = InlineKeyboardButton(text(lang, "delete_button", id=article_id),
                                  callback_data=signer.sign(chat_id, f"del:{article_id}"))
    return InlineKeyboardMarkup([[button]])
