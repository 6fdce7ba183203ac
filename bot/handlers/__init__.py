"""The Telegram handlers, one module per kind of user action; `bot.telegram_app.add_handlers` routes updates to them."""
