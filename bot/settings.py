"""The Telegram bot's configuration (token, webhook, who may do what), apart from the engine's `Settings`."""

from __future__ import annotations

from pydantic import field_validator
from pydantic_settings import BaseSettings, NoDecode
from typing_extensions import Annotated

from retrieval.settings import ENV_FILE

IdList = Annotated[frozenset[int], NoDecode]


class BotSettings(BaseSettings):
    """Settings only `tanya bot` reads; built once in its `main` and passed to the Application."""

    model_config = ENV_FILE

    telegram_bot_token: str | None = None
    telegram_base_url: str = "https://api.telegram.org/bot"
    telegram_base_file_url: str = "https://api.telegram.org/file/bot"
    webhook_url: str | None = None
    webhook_listen: str = "0.0.0.0"
    webhook_port: int = 8443
    webhook_secret: str | None = None
    admin_user_ids: IdList = frozenset()
    allowed_chat_ids: IdList = frozenset()
    ingest_admins_only: bool = False
    max_upload_bytes: int = 10_000_000
    forward_join_seconds: float = 2.0

    @field_validator("admin_user_ids", "allowed_chat_ids", mode="before")
    @classmethod
    def _split_ids(cls, value: object) -> object:
        """Accept "1,2 3" from the environment as well as real lists."""
        if isinstance(value, str):
            return frozenset(int(part) for part in value.replace(",", " ").split())
        if isinstance(value, int):
            return frozenset({value})
        return value
