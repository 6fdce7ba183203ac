"""Bot API calls that survive flood waits, 5xx answers and network errors."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine
from typing import Any

from telegram.error import BadRequest, NetworkError
from telegram.ext import AIORateLimiter

log = logging.getLogger(__name__)


class RetryingRateLimiter(AIORateLimiter):
    """AIORateLimiter (which retries only 429 RetryAfter) plus retries of 5xx and network errors with backoff."""

    def __init__(self, *, max_retries: int = 5, network_retries: int = 4, backoff: float = 0.5, **limits: Any) -> None:
        super().__init__(max_retries=max_retries, **limits)
        self.network_retries = network_retries
        self.backoff = backoff

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, Any]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> Any:
        """Send through the rate limiter; on a 5xx or network failure wait a little and send again.

        "typing…" goes straight out, once: it does not count towards Telegram's message limits, and holding
        it back behind queued replies would only delay the replies it announces.
        """
        if endpoint == "sendChatAction":
            return await callback(*args, **kwargs)
        for attempt in range(self.network_retries):
            try:
                return await super().process_request(callback, args, kwargs, endpoint, data, rate_limit_args)
            except BadRequest:
                raise
            except NetworkError as error:
                delay = self.backoff * 2**attempt
                log.warning("%s failed (%s); retrying in %.1fs", endpoint, error.message, delay)
                await asyncio.sleep(delay)
        return await super().process_request(callback, args, kwargs, endpoint, data, rate_limit_args)
