"""`tanya bot` as a process: one-line start-up errors (token, a server that is not the Bot API, another process
getting the updates), and webhook mode with a secret token."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from retrieval.settings import Settings
from tests.fake_telegram import FakeTelegram
from bench.web import LocalSite, respond

TANYA = [sys.executable, "-m", "bot.cli"]


def bot_env(tmp_path: Path, tg: FakeTelegram, token: str, **extra: str) -> dict[str, str]:
    """The environment of a `tanya bot` process talking to the fake server."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "WEBHOOK_", "DATABASE_"))}
    env.update(TELEGRAM_BOT_TOKEN=token, TELEGRAM_BASE_URL=tg.base_url, TELEGRAM_BASE_FILE_URL=tg.base_file_url,
               TANYA_DATA_DIR=str(tmp_path / "data"), MODEL_CACHE_DIR=str(Settings(_env_file=None).resolved_model_cache),
               PYTHONPATH=str(Path(__file__).resolve().parent.parent), **extra)
    return env


def free_port() -> int:
    """A free TCP port on 127.0.0.1."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_a_missing_token_is_a_one_line_error(tmp_path: Path, tg: FakeTelegram) -> None:
    done = subprocess.run([*TANYA, "bot"], env=bot_env(tmp_path, tg, ""), cwd=tmp_path, capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 1
    assert done.stderr.strip() == "tanya: TELEGRAM_BOT_TOKEN is not set; put the token from @BotFather in .env"


def test_a_rejected_token_is_a_one_line_error_that_does_not_show_the_token(tmp_path: Path, tg: FakeTelegram) -> None:
    wrong = "1234567:AAWrongTokenWrongTokenWrongToken"
    done = subprocess.run([*TANYA, "-v", "bot"], env=bot_env(tmp_path, tg, wrong), cwd=tmp_path, capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 1
    assert done.stderr.strip().splitlines()[-1] == "tanya: Telegram rejected the bot token; check TELEGRAM_BOT_TOKEN"
    assert "Traceback" not in done.stderr and wrong not in done.stderr and "WrongToken" not in done.stdout


@contextlib.contextmanager
def web_server_answering(status: int) -> Iterator[str]:
    """A server on 127.0.0.1 answering every request (GET or POST) with `status` and an HTML page, as a proxy, a
    captive portal or a mistyped TELEGRAM_BASE_URL would; yields its URL."""
    page_html = b"<html><body><h1>Welcome to nginx!</h1></body></html>"
    with LocalSite(fallback=lambda handler: respond(handler, status, "text/html", page_html)) as site:
        yield site.url()


@pytest.mark.parametrize(("status", "expected"), [
    (200, "tanya: the server at {host} does not answer like the Telegram Bot API (its reply is not JSON); "
          "check TELEGRAM_BASE_URL"),
    (404, "tanya: the server at {host} does not answer like the Telegram Bot API (its reply is not JSON); "
          "check TELEGRAM_BASE_URL"),
    (502, "tanya: cannot reach the Telegram Bot API at {host} (Bad Gateway (502))"),
])
def test_a_bot_api_reply_that_is_not_json_is_a_one_line_error(tmp_path: Path, tg: FakeTelegram, status: int,
                                                               expected: str) -> None:
    with web_server_answering(status) as url:
        env = {**bot_env(tmp_path, tg, tg.token), "TELEGRAM_BASE_URL": f"{url}/bot"}
        done = subprocess.run([*TANYA, "bot"], env=env, cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert done.returncode == 1
    assert done.stderr.strip() == expected.format(host=url.removeprefix("http://"))


@pytest.mark.slow
def test_another_process_getting_the_updates_409_conflict_is_a_one_line_error(tmp_path: Path, tg: FakeTelegram) -> None:
    """Telegram answers 409 Conflict to getUpdates while another process polls with the same token."""
    tg.fail_ratio("getUpdates", 1.0, status=409)
    done = subprocess.run([*TANYA, "bot"], env=bot_env(tmp_path, tg, tg.token), cwd=tmp_path, capture_output=True,
                          text=True, timeout=180)
    assert done.returncode == 1
    assert done.stderr.strip() == ("tanya: another process is getting this bot's updates (Telegram answered 409 "
                                   "Conflict); run one `tanya bot` per token")
    assert len(tg.failed("getUpdates")) >= 3


def post_update(port: int, update: dict, secret: str) -> int:
    """POST an update to the bot's webhook server; returns the HTTP status (0 while it is not listening yet)."""
    request = urllib.request.Request(f"http://127.0.0.1:{port}/hook", data=json.dumps(update).encode(),
                                     headers={"Content-Type": "application/json",
                                              "X-Telegram-Bot-Api-Secret-Token": secret})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code
    except (urllib.error.URLError, ConnectionError):
        return 0


@pytest.mark.slow
def test_webhook_mode_registers_the_url_with_a_secret_and_refuses_updates_without_it(
        tmp_path: Path, tg: FakeTelegram) -> None:
    port = free_port()
    env = bot_env(tmp_path, tg, tg.token, WEBHOOK_LISTEN="127.0.0.1", WEBHOOK_PORT=str(port),
                  WEBHOOK_SECRET="s3cret-Token_1")
    process = subprocess.Popen([*TANYA, "-v", "bot", "--webhook-url", "https://bot.example.com/hook"], env=env,
                               cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        registered = tg.wait_for(lambda c: c["method"] == "setWebhook", timeout=120)[0]["params"]
        assert registered["url"] == "https://bot.example.com/hook"
        assert registered["secret_token"] == "s3cret-Token_1"
        message = tg.build_message(81, language_code="id")
        start = {"update_id": 5001, "message": {**message, "text": "/start",
                                                "entities": [{"type": "bot_command", "offset": 0, "length": 6}]}}
        deadline = time.monotonic() + 30
        while (status := post_update(port, start, "wrong")) == 0 and time.monotonic() < deadline:
            time.sleep(0.3)
        assert status == 403
        assert tg.texts(81) == []
        assert post_update(port, start, "s3cret-Token_1") == 200
        assert tg.wait_for_messages(81, 1)[0]["params"]["text"].startswith("Halo!")
    finally:
        process.send_signal(signal.SIGTERM)
        _, stderr = process.communicate(timeout=60)
    assert process.returncode == 0, stderr
    assert tg.token not in stderr and tg.token.split(":")[1] not in stderr
