"""Configuration lives in two classes (the engine's and the bot's) and `.env.example` documents all of it."""

from __future__ import annotations

import re
from pathlib import Path

from bot.settings import BotSettings
from retrieval.settings import Settings

ENV_EXAMPLE = Path(__file__).resolve().parent.parent / ".env.example"


def documented_names() -> set[str]:
    """The variable names `.env.example` sets or shows commented out."""
    return set(re.findall(r"^#?\s*([A-Z][A-Z0-9_]*)=", ENV_EXAMPLE.read_text(), re.MULTILINE))


def setting_names() -> dict[str, set[str]]:
    """Each setting of the engine and the bot with the environment names that set it (its upper-case name and any
    alias)."""
    return {name: {name.upper()} | ({field.validation_alias} if isinstance(field.validation_alias, str) else set())
            for cls in (Settings, BotSettings) for name, field in cls.model_fields.items()}


def test_every_setting_is_documented_in_the_env_example() -> None:
    documented = documented_names()
    assert [name for name, env in setting_names().items() if not env & documented] == []


def test_the_env_example_names_no_setting_that_does_not_exist() -> None:
    known = set().union(*setting_names().values())
    assert documented_names() - known == set()
