"""Everything the bot and the command line say, in Indonesian (`id`) and English (`en`)."""

from __future__ import annotations

import re
import string

from retrieval.ingest.documents import UserError

LANGUAGES = ("id", "en")

TEXTS: dict[str, dict[str, str]] = {
    "en": {
        "welcome": "Hello! I answer questions from the news articles stored here, quoting the passages I used.",
        "help": (
            "How to use me:\n"
            "• Ask a question in plain text, e.g. “who accompanied Putin?”. Ask follow-ups the same way.\n"
            "• Forward a post from a channel, send a link (or /add URL) or upload a .txt .md .html .pdf .docx file "
            "to store an article.\n"
            "• /sources lists stored articles, /article ID shows one, /stats shows counts.\n"
            "• /subscribe URL follows a news feed (/feeds lists them); make me an admin of a channel to store its "
            "posts.\n"
            "• /reset forgets this conversation, /lang id|en switches language.\n"
            "In groups, mention me, reply to me or use /ask."
        ),
        "nothing_found": "I found nothing about this in the stored articles.",
        "nearest": "The nearest passage (it may not answer the question):",
        "unsure": "I am not sure these answer it. They may be related:",
        "also_in": "also in: {sources}",
        "empty_library": "The library is empty. Forward a post, send a link or upload a document to add articles.",
        "cli_empty_library": "The library is empty or nothing matched. Add articles with `tanya ingest`.",
        "more": "More passages",
        "context": "Context [{n}]",
        "no_more": "There are no more passages for this question.",
        "context_title": "Context of [{n}]",
        "expired": "This button has expired. Please ask again.",
        "forged": "This button is not valid.",
        "added": "Saved “{title}”: {chunks:passage|passages}, article #{id}.",
        "duplicate": "I already have this article: “{title}” (#{id}).",
        "updated": "Updated “{title}” with its new text: {chunks:passage|passages}, article #{id}.",
        "failed": "I could not store this: {reason}.",
        "reset": "Done: I forgot this conversation ({count:turn|turns}).",
        "lang_set": "I will answer in English in this chat.",
        "lang_usage": "Use /lang id or /lang en.",
        "usage_add": "Send /add followed by a link, e.g. /add https://example.com/news.",
        "usage_article": "Send /article followed by an article number, e.g. /article 12.",
        "usage_delete": "Send /delete followed by an article number, e.g. /delete 12.",
        "usage_ask": "Send /ask followed by your question.",
        "no_article": "There is no article #{id}.",
        "confirm_delete": "Delete article #{id} “{title}”?",
        "delete_button": "Yes, delete #{id}",
        "deleted": "Deleted article #{id}.",
        "sources_title": "Stored articles ({start}–{end}):",
        "sources_empty": "No articles are stored yet.",
        "newer": "◀ Newer",
        "older": "Older ▶",
        "stats": "Articles: {articles}\nPassages: {chunks}\nLast added: {last}",
        "never": "never",
        "chunks": "{chunks:passage|passages}",
        "untitled": "(untitled)",
        "article_number": "article #{id}",
        "not_allowed_chat": "Sorry, this bot is private and does not serve this chat.",
        "admins_only": "Sorry, only the bot's admins can do that.",
        "usage_subscribe": "Send /subscribe followed by a feed or site address, e.g. /subscribe https://example.com/rss.",
        "usage_unsubscribe": "Send /unsubscribe followed by a feed number from /feeds, e.g. /unsubscribe 2.",
        "feed_subscribed": "Subscribed to “{title}” (feed #{id}). New articles arrive every {minutes:minute|minutes}.",
        "feed_failed": "I could not subscribe: {reason}.",
        "feeds_empty": "No feeds yet. Add one with /subscribe followed by its address.",
        "feeds_title": "Feeds:",
        "feed_line": "#{id} {title}: {entries:article|articles}, last success {last}",
        "feed_error": "  last error: {reason}",
        "feed_removed": "Unsubscribed from feed #{id}; its articles stay.",
        "no_feed": "There is no feed #{id}.",
        "channels_empty": "No channel posts taken in yet. Make the bot an administrator of a channel to store its posts.",
        "channels_title": "Channels taken in:",
        "channel_line": "• {name}: {posts:post|posts}, last {last}",
        "ingest_admins_only": "Sorry, only the bot's admins can add articles here.",
        "upload_too_large": "Sorry, that file is too large: the limit is {limit}.",
        "no_document_text": "That message has no text I could store.",
        "error": "Sorry, something went wrong on my side. Please try again in a moment.",
        "forwarded": "forwarded",
        "unknown_command": "I don't know that command. Send /help to see what I can do.",
        "console_help": "Console: ask questions and follow-ups, /add URL stores an article, /reset forgets the "
                        "conversation, /lang id|en, /sources, /article ID, /stats, /quit to leave.",
        "cmd_start": "Welcome and how to use the bot",
        "cmd_help": "How to use the bot",
        "cmd_ask": "Ask a question (in groups)",
        "cmd_add": "Store the article at a link",
        "cmd_sources": "List stored articles",
        "cmd_article": "Show one article",
        "cmd_delete": "Delete an article (admins)",
        "cmd_stats": "Library counts",
        "cmd_reset": "Forget this conversation",
        "cmd_lang": "Switch language: id or en",
        "cmd_subscribe": "Follow an RSS/Atom feed or a site",
        "cmd_feeds": "List followed feeds",
        "cmd_unsubscribe": "Stop following a feed",
        "cmd_channels": "Channels taken in (admins)",
    },
    "id": {
        "welcome": "Halo! Saya menjawab pertanyaan dari artikel berita yang tersimpan di sini, "
                   "dengan mengutip bagian yang saya pakai.",
        "help": (
            "Cara memakai:\n"
            "• Tulis pertanyaan biasa, misalnya “siapa yang mendampingi Putin?”. Pertanyaan lanjutan juga bisa.\n"
            "• Teruskan (forward) postingan kanal, kirim tautan (atau /add URL) atau unggah berkas "
            ".txt .md .html .pdf .docx untuk menyimpan artikel.\n"
            "• /sources menampilkan artikel tersimpan, /article ID menampilkan satu artikel, /stats menampilkan jumlah.\n"
            "• /subscribe URL mengikuti feed berita (/feeds menampilkan daftarnya); jadikan saya admin kanal agar "
            "postingannya tersimpan.\n"
            "• /reset melupakan percakapan ini, /lang id|en mengganti bahasa.\n"
            "Di grup, sebut saya (mention), balas pesan saya, atau pakai /ask."
        ),
        "nothing_found": "Saya tidak menemukan apa pun tentang hal ini di artikel yang tersimpan.",
        "nearest": "Bagian yang paling dekat (mungkin tidak menjawab pertanyaan):",
        "unsure": "Saya tidak yakin ini menjawabnya. Mungkin terkait:",
        "also_in": "juga di: {sources}",
        "empty_library": "Perpustakaan masih kosong. Teruskan postingan, kirim tautan, atau unggah dokumen "
                         "untuk menambah artikel.",
        "cli_empty_library": "Perpustakaan masih kosong atau tidak ada yang cocok. Tambahkan artikel dengan "
                             "`tanya ingest`.",
        "more": "Bagian lainnya",
        "context": "Konteks [{n}]",
        "no_more": "Tidak ada bagian lain untuk pertanyaan ini.",
        "context_title": "Konteks [{n}]",
        "expired": "Tombol ini sudah kedaluwarsa. Silakan bertanya lagi.",
        "forged": "Tombol ini tidak sah.",
        "added": "Tersimpan “{title}”: {chunks} bagian, artikel #{id}.",
        "duplicate": "Artikel ini sudah ada: “{title}” (#{id}).",
        "updated": "Diperbarui “{title}” dengan teks barunya: {chunks} bagian, artikel #{id}.",
        "failed": "Tidak bisa disimpan: {reason}.",
        "reset": "Selesai: percakapan ini sudah saya lupakan ({count} giliran).",
        "lang_set": "Saya akan menjawab dalam bahasa Indonesia di obrolan ini.",
        "lang_usage": "Pakai /lang id atau /lang en.",
        "usage_add": "Kirim /add diikuti tautan, misalnya /add https://example.com/berita.",
        "usage_article": "Kirim /article diikuti nomor artikel, misalnya /article 12.",
        "usage_delete": "Kirim /delete diikuti nomor artikel, misalnya /delete 12.",
        "usage_ask": "Kirim /ask diikuti pertanyaan Anda.",
        "no_article": "Tidak ada artikel #{id}.",
        "confirm_delete": "Hapus artikel #{id} “{title}”?",
        "delete_button": "Ya, hapus #{id}",
        "deleted": "Artikel #{id} sudah dihapus.",
        "sources_title": "Artikel tersimpan ({start}–{end}):",
        "sources_empty": "Belum ada artikel yang tersimpan.",
        "newer": "◀ Lebih baru",
        "older": "Lebih lama ▶",
        "stats": "Artikel: {articles}\nBagian: {chunks}\nTerakhir ditambah: {last}",
        "never": "belum pernah",
        "chunks": "{chunks} bagian",
        "untitled": "(tanpa judul)",
        "article_number": "artikel #{id}",
        "not_allowed_chat": "Maaf, bot ini privat dan tidak melayani obrolan ini.",
        "admins_only": "Maaf, hanya admin bot yang boleh melakukan itu.",
        "usage_subscribe": "Kirim /subscribe diikuti alamat feed atau situs, misalnya /subscribe https://example.com/rss.",
        "usage_unsubscribe": "Kirim /unsubscribe diikuti nomor feed dari /feeds, misalnya /unsubscribe 2.",
        "feed_subscribed": "Berlangganan “{title}” (feed #{id}). Artikel baru masuk setiap {minutes} menit.",
        "feed_failed": "Tidak bisa berlangganan: {reason}.",
        "feeds_empty": "Belum ada feed. Tambahkan dengan /subscribe diikuti alamatnya.",
        "feeds_title": "Feed:",
        "feed_line": "#{id} {title}: {entries} artikel, terakhir berhasil {last}",
        "feed_error": "  kesalahan terakhir: {reason}",
        "feed_removed": "Berhenti berlangganan feed #{id}; artikelnya tetap tersimpan.",
        "no_feed": "Tidak ada feed #{id}.",
        "channels_empty": "Belum ada posting kanal yang tersimpan. Jadikan bot admin sebuah kanal agar postingannya tersimpan.",
        "channels_title": "Kanal yang diikuti:",
        "channel_line": "• {name}: {posts} posting, terakhir {last}",
        "ingest_admins_only": "Maaf, hanya admin bot yang boleh menambah artikel di sini.",
        "upload_too_large": "Maaf, berkas itu terlalu besar: batasnya {limit}.",
        "no_document_text": "Pesan itu tidak berisi teks yang bisa disimpan.",
        "error": "Maaf, ada yang salah di pihak saya. Silakan coba lagi sebentar lagi.",
        "forwarded": "diteruskan",
        "unknown_command": "Saya tidak mengenal perintah itu. Kirim /help untuk melihat yang bisa saya lakukan.",
        "console_help": "Konsol: ajukan pertanyaan dan pertanyaan lanjutan, /add URL menyimpan artikel, /reset "
                        "melupakan percakapan, /lang id|en, /sources, /article ID, /stats, /quit untuk keluar.",
        "cmd_start": "Sambutan dan cara memakai bot",
        "cmd_help": "Cara memakai bot",
        "cmd_ask": "Ajukan pertanyaan (di grup)",
        "cmd_add": "Simpan artikel dari tautan",
        "cmd_sources": "Daftar artikel tersimpan",
        "cmd_article": "Tampilkan satu artikel",
        "cmd_delete": "Hapus artikel (admin)",
        "cmd_stats": "Jumlah isi perpustakaan",
        "cmd_reset": "Lupakan percakapan ini",
        "cmd_lang": "Ganti bahasa: id atau en",
        "cmd_subscribe": "Ikuti feed RSS/Atom atau situs",
        "cmd_feeds": "Daftar feed yang diikuti",
        "cmd_unsubscribe": "Berhenti mengikuti feed",
        "cmd_channels": "Kanal yang diikuti (admin)",
    },
}

ERRORS_ID: dict[str, str] = {
    "bad_encoding": "situs itu mengirim halaman dalam pemadatan yang tidak didukung",
    "bad_url": "tautan itu tidak valid",
    "busy": "saya masih mengerjakan berkas atau tautan Anda sebelumnya; kirim lagi yang ini setelah selesai",
    "binary": "berkas itu bukan teks yang bisa dibaca",
    "broken_feed": "feed itu bukan XML yang valid",
    "empty": "isinya kosong",
    "feed_exists": "feed itu sudah dilanggan",
    "forbidden_address": "alamat itu tidak boleh diambil",
    "http_error": "situs itu menjawab dengan kesalahan",
    "no_text": "tidak ada teks di dalamnya",
    "not_article": "halaman itu tidak berisi artikel",
    "not_feed": "alamat itu bukan feed RSS atau Atom dan tidak menyebut feed",
    "timeout": "situs itu terlalu lama menjawab",
    "too_complex": "isinya terlalu rumit untuk dibaca",
    "too_large": "isinya terlalu besar",
    "too_many_redirects": "tautan itu dialihkan terlalu banyak kali",
    "unreachable": "situs itu tidak bisa dihubungi",
    "unreadable": "berkas itu tidak bisa dibaca",
    "unsupported": "jenis berkas itu tidak didukung (pakai .txt .md .html .pdf .docx)",
    "unsupported_type": "jenis halaman itu tidak didukung",
}

TEXTS["en"].update({
    "by_date": "Sorted by date, newest first.",
    "latest_title": "Newest articles:",
    "latest_topic_title": "Newest articles about “{topic}”:",
    "latest_none": "No stored articles match.",
    "timeline_title": "Timeline of “{topic}”, oldest first:",
    "timeline_none": "I found nothing about this topic in the stored articles.",
    "usage_timeline": "Send /timeline followed by a topic, e.g. /timeline PLTS Cirata.",
    "cmd_latest": "Newest articles (on a topic)",
    "cmd_timeline": "A topic's key sentences in date order",
})
TEXTS["id"].update({
    "by_date": "Diurutkan menurut tanggal, terbaru dulu.",
    "latest_title": "Artikel terbaru:",
    "latest_topic_title": "Artikel terbaru tentang “{topic}”:",
    "latest_none": "Tidak ada artikel tersimpan yang cocok.",
    "timeline_title": "Linimasa “{topic}”, dari yang terlama:",
    "timeline_none": "Saya tidak menemukan apa pun tentang topik ini di artikel yang tersimpan.",
    "usage_timeline": "Kirim /timeline diikuti topik, misalnya /timeline PLTS Cirata.",
    "cmd_latest": "Artikel terbaru (tentang suatu topik)",
    "cmd_timeline": "Kalimat kunci suatu topik menurut tanggal",
})

# Issue 12 polish: cancelling a deletion, the end of "more passages", engine details for admins, media the bot
# cannot read, unsure inline results.
TEXTS["en"].update({
    "cancel_button": "Cancel",
    "delete_cancelled": "Cancelled: article #{id} stays.",
    "stats_engine": "Conversation turns (all chats): {turns}\nModel: {model}\nIndex: {index}",
    "unsupported_media": "I can only read text. Ask a question, send a link, forward a post with text, or upload "
                         "a .txt .md .html .pdf .docx file.",
    "inline_unsure": "Not sure: {title}",
})
TEXTS["id"].update({
    "cancel_button": "Batal",
    "delete_cancelled": "Dibatalkan: artikel #{id} tetap tersimpan.",
    "stats_engine": "Giliran percakapan (semua obrolan): {turns}\nModel: {model}\nIndeks: {index}",
    "unsupported_media": "Saya hanya bisa membaca teks. Ajukan pertanyaan, kirim tautan, teruskan postingan "
                         "bertulisan, atau unggah berkas .txt .md .html .pdf .docx.",
    "inline_unsure": "Belum pasti: {title}",
})

COMMANDS = ("start", "help", "ask", "add", "sources", "article", "delete", "stats", "reset", "lang", "latest",
            "timeline", "subscribe", "feeds", "unsubscribe", "channels")


def language_for(language_code: str | None) -> str:
    """Indonesian for Indonesian users, English for everyone else."""
    return "id" if re.split(r"[-_.]", (language_code or "").lower())[0] in ("id", "in") else "en"


class _PluralFormatter(string.Formatter):
    """str.format with counted nouns: "{n:passage|passages}" gives "1 passage" or "3 passages" (Indonesian
    templates just write "{n} bagian": the language has no plural -s)."""

    def format_field(self, value: object, format_spec: str) -> str:
        if "|" not in format_spec:
            return super().format_field(value, format_spec)
        one, many = format_spec.split("|", 1)
        return f"{value} {one if value == 1 else many}"


_FORMATTER = _PluralFormatter()


def text(lang: str, key: str, **values: object) -> str:
    """One message in the given language, with its placeholders (and counted nouns) filled."""
    template = TEXTS.get(lang, TEXTS["en"]).get(key) or TEXTS["en"][key]
    return _FORMATTER.format(template, **values) if values else template


def error_reason(lang: str, error: UserError) -> str:
    """The reason for a user-caused failure, translated by its code where a translation exists."""
    if lang == "id" and error.code in ERRORS_ID:
        return ERRORS_ID[error.code]
    return error.message


def command_menu(lang: str) -> list[tuple[str, str]]:
    """The command menu as (command, description) pairs."""
    return [(name, text(lang, f"cmd_{name}")) for name in COMMANDS]
