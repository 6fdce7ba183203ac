"""Who may do what, and button data that cannot be forged."""

from __future__ import annotations

import base64
import hashlib
import hmac
from dataclasses import dataclass

from bot.settings import BotSettings

SIGNATURE_CHARS = 16


@dataclass(frozen=True)
class Access:
    """The permission rules from the settings: admins, allowed chats and who may add articles."""

    admins: frozenset[int]
    allowed_chats: frozenset[int]
    ingest_admins_only: bool

    @classmethod
    def from_settings(cls, settings: BotSettings) -> Access:
        """Read the rules from ADMIN_USER_IDS, ALLOWED_CHAT_IDS and INGEST_ADMINS_ONLY."""
        return cls(frozenset(settings.admin_user_ids), frozenset(settings.allowed_chat_ids), settings.ingest_admins_only)

    def is_admin(self, user_id: int | None) -> bool:
        """Whether the user is one of the bot's admins."""
        return user_id is not None and user_id in self.admins

    def serves_chat(self, chat_id: int, user_id: int | None) -> bool:
        """Whether the bot talks in this chat: every chat when none are listed; admins everywhere."""
        return not self.allowed_chats or chat_id in self.allowed_chats or self.is_admin(user_id)

    def may_ingest(self, user_id: int | None) -> bool:
        """Whether the user may add articles."""
        return not self.ingest_admins_only or self.is_admin(user_id)

    def may_delete(self, user_id: int | None) -> bool:
        """Whether the user may delete articles (admins only)."""
        return self.is_admin(user_id)


class CallbackSigner:
    """Signs inline-button data with a key derived from the bot token, bound to the chat it was sent to."""

    def __init__(self, secret: str) -> None:
        self._key = hmac.new(secret.encode(), b"tanya-berita callback data", hashlib.sha256).digest()

    def _signature(self, chat_id: int, payload: str) -> str:
        digest = hmac.new(self._key, f"{chat_id}|{payload}".encode(), hashlib.sha256).digest()
        return base64.urlsafe_b64encode(digest).decode()[:SIGNATURE_CHARS]

    def sign(self, chat_id: int, payload: str) -> str:
        """Button data for a payload such as "ctx:12:100:400" (at most 64 bytes in total)."""
        data = f"{payload}|{self._signature(chat_id, payload)}"
        if len(data.encode()) > 64:
            raise ValueError(f"callback data too long: {payload!r}")
        return data

    def verify(self, chat_id: int, data: str) -> str | None:
        """The payload if the data was signed by this bot for this chat, else None."""
        payload, _, signature = (data or "").rpartition("|")
        expected = self._signature(chat_id, payload).encode()
        if not payload or not hmac.compare_digest(signature.encode(), expected):
            return None
        return payload


def webhook_secret(settings: BotSettings) -> str:
    """WEBHOOK_SECRET, or a stable secret derived from the bot token (letters and digits only)."""
    if settings.webhook_secret:
        return settings.webhook_secret
    token = settings.telegram_bot_token or ""
    return hmac.new(token.encode(), b"tanya-berita webhook", hashlib.sha256).hexdigest()
