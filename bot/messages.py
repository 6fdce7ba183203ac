"""Everything the bot and the command line say, in Indonesian (`id`) and English (`en`)."""

from __future__ import annotations

import re
import string
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from retrieval.asking.dating import wall_clock
from retrieval.ingest.documents import UserError
from retrieval.ingest.extract import SEND_INSTEAD

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
            "• /latest shows the newest articles (/latest TOPIC: on a topic), /timeline TOPIC a topic's story by "
            "date.\n"
            "• /subscribe URL follows a news feed (/feeds lists them); make me an admin of a channel to store its "
            "posts.\n"
            "• /reset forgets this conversation, /lang id|en switches language.\n"
            "In groups, mention me, reply to me or use /ask; forward posts to me in a private chat."
        ),
        "nothing_found": "I found nothing about this in the stored articles.",
        "nearest": "The nearest passage (it may not answer the question):",
        "nothing_then": "No stored article is from {when}.",
        "nearest_other_time": "The nearest passage, from another time:",
        "nothing_since": "No stored article is from {day} or later.",
        "nothing_until": "No stored article is from {day} or earlier.",
        "nothing_about_then": "No stored article about this is from {when}.",
        "nothing_about_since": "No stored article about this is from {day} or later.",
        "nothing_about_until": "No stored article about this is from {day} or earlier.",
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
        "lang_set": "I will answer in English in this chat. (Bahasa Indonesia: /lang id)",
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
        "upload_too_large": "Sorry, that file is too large: the limit is {limit}. Send a smaller file, such as the "
                            "article's text alone.",
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
            "• /latest menampilkan artikel terbaru (/latest TOPIK: tentang suatu topik), /timeline TOPIK perjalanan "
            "suatu topik menurut tanggal.\n"
            "• /subscribe URL mengikuti feed berita (/feeds menampilkan daftarnya); jadikan saya admin kanal agar "
            "postingannya tersimpan.\n"
            "• /reset melupakan percakapan ini, /lang id|en mengganti bahasa.\n"
            "Di grup, sebut saya (mention), balas pesan saya, atau pakai /ask; teruskan postingan kepada saya lewat "
            "chat pribadi."
        ),
        "nothing_found": "Saya tidak menemukan apa pun tentang hal ini di artikel yang tersimpan.",
        "nearest": "Bagian yang paling dekat (mungkin tidak menjawab pertanyaan):",
        "nothing_then": "Tidak ada artikel tersimpan dari {when}.",
        "nearest_other_time": "Bagian yang paling dekat, dari waktu lain:",
        "nothing_since": "Tidak ada artikel tersimpan sejak {day}.",
        "nothing_until": "Tidak ada artikel tersimpan sampai {day}.",
        "nothing_about_then": "Tidak ada artikel tersimpan tentang hal ini dari {when}.",
        "nothing_about_since": "Tidak ada artikel tersimpan tentang hal ini sejak {day}.",
        "nothing_about_until": "Tidak ada artikel tersimpan tentang hal ini sampai {day}.",
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
        "lang_set": "Saya akan menjawab dalam bahasa Indonesia di obrolan ini. (English: /lang en)",
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
        "upload_too_large": "Maaf, berkas itu terlalu besar: batasnya {limit}. Kirim berkas yang lebih kecil, "
                            "misalnya teks artikelnya saja.",
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

SEND_FILE = {"en": SEND_INSTEAD,
             "id": "kirim artikelnya sebagai berkas .txt, .md, .html, .pdf, atau .docx"}
CHECK_LINK = {"en": "check that the link is complete and still works, or send the article as a file",
              "id": "periksa apakah tautannya lengkap dan masih berlaku, atau kirim artikelnya sebagai berkas"}
TRY_LATER = {"en": "try again later, or send the article as a file",
             "id": "coba lagi nanti, atau kirim artikelnya sebagai berkas"}

TERMS_ID: dict[str, str] = {
    "a PNG image": "gambar PNG", "a JPEG image": "gambar JPEG", "a GIF image": "gambar GIF",
    "a media file": "berkas media (audio/video)", "a gzip archive": "arsip gzip", "a 7-Zip archive": "arsip 7-Zip",
    "a RAR archive": "arsip RAR", "an RTF document": "dokumen RTF",
    "an old-style Office file (.doc) or a password-protected one": "berkas Office versi lama (.doc) atau yang "
                                                                    "dilindungi kata sandi",
    "a ZIP archive": "arsip ZIP", "a damaged ZIP archive": "arsip ZIP yang rusak",
    "an Excel workbook": "buku kerja Excel",
    "a PowerPoint presentation": "presentasi PowerPoint", "an EPUB e-book": "buku elektronik EPUB",
    "an OpenDocument file": "berkas OpenDocument",
    "a cloud metadata address": "alamat metadata cloud",
    "a loopback address": "alamat loopback (komputer server itu sendiri)",
    "an unspecified address": "alamat tak tertentu", "a multicast address": "alamat multicast",
    "a link-local address": "alamat link-local", "a reserved address": "alamat yang dicadangkan",
    "a carrier-grade NAT address": "alamat NAT operator", "a private address": "alamat jaringan privat",
    "a non-public address": "alamat non-publik",
    "HTML elements": "elemen HTML", "pages": "halaman", "XML elements": "elemen XML",
}
"""The Indonesian for the words the engine fills into its English reasons (kinds of file, kinds of address)."""

_NUMBER = re.compile(r"\d[\d,.]*")
_QUANTITIES = frozenset({"limit", "seconds", "count"})


@dataclass(frozen=True)
class ErrorText:
    """One reason the engine gives (its code, and its English wording as a pattern whose named groups carry the
    specifics) as told to the user in each language, with what they can do about it."""

    code: str
    pattern: str
    en: str
    id: str

    def match(self, error: UserError) -> dict[str, str] | None:
        """The specifics of `error` when it is this reason, else None."""
        if error.code != self.code:
            return None
        found = re.fullmatch(self.pattern, error.message)
        return found.groupdict() if found else None

    def render(self, lang: str, specifics: dict[str, str]) -> str:
        """The reason in `lang`, with the specifics (numbers written the Indonesian way, kinds translated)."""
        if lang != "id":
            return self.en.format(**specifics, **{f"{k}_advice": v["en"] for k, v in _ADVICE.items()})
        values = {name: _in_indonesian(name, value) for name, value in specifics.items()}
        return self.id.format(**values, **{f"{k}_advice": v["id"] for k, v in _ADVICE.items()})


_ADVICE = {"send": SEND_FILE, "check": CHECK_LINK, "later": TRY_LATER}


def _in_indonesian(name: str, value: str) -> str:
    """A filled-in word or quantity as an Indonesian reader writes it: 5,000,000 -> 5.000.000, 2.5 -> 2,5."""
    if name in _QUANTITIES and _NUMBER.fullmatch(value):
        return value.translate(str.maketrans(",.", ".,"))
    return TERMS_ID.get(value, value)


ERROR_TEXTS: tuple[ErrorText, ...] = (
    # links
    ErrorText("http_error", r"the site answered with HTTP status (?P<status>404|410)",
              "the site answered with HTTP status {status}: the page is not there (any more); {check_advice}",
              "situs itu menjawab dengan status HTTP {status}: halamannya tidak ada (lagi); {check_advice}"),
    ErrorText("http_error", r"the site answered with HTTP status (?P<status>401|403|451)",
              "the site refused access (HTTP status {status}), perhaps the article needs a login; {send_advice}",
              "situs itu menolak akses (status HTTP {status}), mungkin artikelnya perlu masuk (login); {send_advice}"),
    ErrorText("http_error", r"the site answered with HTTP status (?P<status>429|5\d\d)",
              "the site answered with HTTP status {status}: it is busy or has a problem; {later_advice}",
              "situs itu menjawab dengan status HTTP {status}: situsnya sibuk atau sedang bermasalah; {later_advice}"),
    ErrorText("http_error", r"the site answered with HTTP status (?P<status>\d+)",
              "the site answered with HTTP status {status} instead of the page; {check_advice}",
              "situs itu menjawab dengan status HTTP {status}, bukan halamannya; {check_advice}"),
    ErrorText("http_error", r"the site answered with HTTP status (?P<status>\d+) and no usable redirect",
              "the site answered with HTTP status {status} but did not say where the page moved; {check_advice}",
              "situs itu menjawab dengan status HTTP {status} tetapi tidak menyebut ke mana halamannya pindah; "
              "{check_advice}"),
    ErrorText("forbidden_address", r"(?P<host>.+) resolves to (?P<address>\S+), (?P<kind>.+), which is not fetched",
              "{host} leads to {address}, {kind}; only public web sites are fetched, so {send_advice}",
              "{host} mengarah ke {address}, {kind}; hanya situs web publik yang diambil, jadi {send_advice}"),
    ErrorText("timeout", r"the site took longer than (?P<seconds>[\d.]+) seconds to answer",
              "the site took longer than {seconds} seconds to answer; {later_advice}",
              "situs itu tidak menjawab dalam {seconds} detik; {later_advice}"),
    ErrorText("unreachable", r"the site could not be reached|the page could not be downloaded",
              "the site could not be reached; {later_advice}",
              "situs itu tidak bisa dihubungi; {later_advice}"),
    ErrorText("unreachable", r"the host (?P<host>.+) could not be found",
              "there is no site called {host}; {check_advice}",
              "tidak ada situs bernama {host}; {check_advice}"),
    ErrorText("unreachable", r"the host (?P<host>.+) has no addresses",
              "the site {host} has no address to connect to; {check_advice}",
              "situs {host} tidak punya alamat untuk dihubungi; {check_advice}"),
    ErrorText("too_many_redirects", r"the link redirects more than (?P<count>\d+) times",
              "the link redirects more than {count} times; {check_advice}",
              "tautan itu dialihkan lebih dari {count} kali; {check_advice}"),
    ErrorText("bad_url", r"this is not a valid web link|the link has no valid host name",
              "this is not a valid web link; {check_advice}",
              "itu bukan tautan web yang valid; {check_advice}"),
    ErrorText("bad_url", r"the link redirects to an invalid address",
              "the link redirects to an invalid address; {check_advice}",
              "tautan itu dialihkan ke alamat yang tidak valid; {check_advice}"),
    ErrorText("bad_url", r"only http:// and https:// links can be fetched",
              "only http:// and https:// links can be fetched; send a web link or the article as a file",
              "hanya tautan http:// dan https:// yang bisa diambil; kirim tautan web atau artikelnya sebagai berkas"),
    ErrorText("bad_url", r"links containing a user name or password are not fetched",
              "links containing a user name or password are not fetched; send the link without them",
              "tautan yang memuat nama pengguna atau kata sandi tidak diambil; kirim tautannya tanpa itu"),
    ErrorText("unsupported_type", r"the link points to (?P<mime>.+), not a web page, text or PDF",
              "the link points to {mime}, not a web page, text or PDF; send a link to the article's page",
              "tautan itu menunjuk ke {mime}, bukan halaman web, teks, atau PDF; kirim tautan ke halaman artikelnya"),
    ErrorText("too_large", r"the page is larger than the (?P<limit>[\d,]+) byte limit",
              "the page is larger than the {limit} byte limit; {send_advice}",
              "halaman itu lebih besar dari batas {limit} byte; {send_advice}"),
    ErrorText("unreadable", r"the site sent a damaged compressed page",
              "the site sent a damaged compressed page; {later_advice}",
              "situs itu mengirim halaman terkompresi yang rusak; {later_advice}"),
    ErrorText("bad_encoding", r"the site compressed the page more than once, which is not accepted",
              "the site compressed the page more than once, which is not accepted; {send_advice}",
              "situs itu memadatkan halamannya lebih dari sekali, dan itu tidak diterima; {send_advice}"),
    ErrorText("bad_encoding", r"the site sent the page in an unsupported encoding \((?P<encoding>.+)\)",
              "the site sent the page in an unsupported compression ({encoding}); {send_advice}",
              "situs itu mengirim halaman dalam pemadatan yang tidak didukung ({encoding}); {send_advice}"),
    ErrorText("not_article", r"the page has too little text to be an article",
              "the page has too little text to be an article; send the link of the article itself "
              "(not a front page or a login page)",
              "halaman itu terlalu sedikit teksnya untuk sebuah artikel; kirim tautan artikelnya sendiri "
              "(bukan halaman depan atau halaman masuk)"),
    ErrorText("empty", r"the page is empty",
              "the page is empty; {check_advice}",
              "halaman itu kosong; {check_advice}"),
    # files
    ErrorText("too_large", r"the file is larger than the (?P<limit>.+) limit",
              "the file is larger than the {limit} limit; send a smaller file, such as the article's text alone",
              "berkas itu lebih besar dari batas {limit}; kirim berkas yang lebih kecil, "
              "misalnya teks artikelnya saja"),
    ErrorText("unsupported", r"this is (?P<kind>.+), not an article; send the article as a \.txt, \.md, \.html, "
                             r"\.pdf or \.docx file",
              "this is {kind}, not an article; {send_advice}",
              "ini {kind}, bukan artikel; {send_advice}"),
    ErrorText("unsupported", r"(?P<extension>\.\w+) files are not read as articles; send the article as a \.txt, "
                             r"\.md, \.html, \.pdf or \.docx file",
              "{extension} files are not read as articles; {send_advice}",
              "berkas {extension} tidak dibaca sebagai artikel; {send_advice}"),
    ErrorText("binary", r"this looks like a binary file, not text; send the article as a \.txt, \.md, \.html, "
                        r"\.pdf or \.docx file",
              "this looks like a binary file, not text; {send_advice}",
              "ini tampaknya berkas biner, bukan teks; {send_advice}"),
    ErrorText("empty", r"the file is empty|the document contains no text",
              "the file is empty; {send_advice}",
              "berkas itu kosong; {send_advice}"),
    ErrorText("empty", r"the Word document contains no text",
              "the Word document contains no text; {send_advice}",
              "dokumen Word itu tidak berisi teks; {send_advice}"),
    ErrorText("no_text", r"the PDF has no text layer \(scanned image\?\)",
              "the PDF has no text layer (is it a scan?); send a PDF whose text can be copied, "
              "or the text as a .txt file",
              "PDF itu tidak punya lapisan teks (hasil pindaian?); kirim PDF yang teksnya bisa disalin, "
              "atau teksnya sebagai berkas .txt"),
    ErrorText("unreadable", r"the PDF is password-protected",
              "the PDF is password-protected; send a copy without the password",
              "PDF itu dilindungi kata sandi; kirim salinan tanpa kata sandi"),
    ErrorText("unreadable", r"the PDF is damaged or could not be read",
              "the PDF is damaged or could not be read; save or export it again, or {send_advice}",
              "PDF itu rusak atau tidak bisa dibaca; simpan atau ekspor ulang, atau {send_advice}"),
    ErrorText("unreadable", r"the Word document is damaged or could not be read|the Word document is damaged "
                            r"\(its ZIP container cannot be opened\)",
              "the Word document is damaged or could not be read; save it again in Word, or {send_advice}",
              "dokumen Word itu rusak atau tidak bisa dibaca; simpan ulang di Word, atau {send_advice}"),
    ErrorText("unreadable", r"the file is named (?P<extension>\.\w+) but is not a readable (?P<kind>\w+) file",
              "the file is named {extension} but is not a readable {kind} file; {send_advice}",
              "nama berkas itu berakhiran {extension} tetapi isinya bukan berkas {kind} yang bisa dibaca; "
              "{send_advice}"),
    ErrorText("unreadable", r"the (?:text )?file could not be read|the web page could not be read",
              "the file could not be read; {send_advice}",
              "berkas itu tidak bisa dibaca; {send_advice}"),
    ErrorText("too_complex", r"the document is too complex to read: it has more than (?P<count>[\d,]+) "
                             r"(?P<parts>.+)",
              "the document is too complex to read: it has more than {count} {parts}; send a shorter document, "
              "or the article's text alone",
              "dokumen itu terlalu rumit untuk dibaca: isinya lebih dari {count} {parts}; kirim dokumen yang lebih "
              "pendek, atau teks artikelnya saja"),
    ErrorText("too_complex", r"the document is too complex to read: reading it took longer than "
                             r"(?P<seconds>[\d.]+) seconds",
              "the document is too complex to read: reading it took longer than {seconds} seconds; send a shorter "
              "document, or the article's text alone",
              "dokumen itu terlalu rumit untuk dibaca: membacanya memakan waktu lebih dari {seconds} detik; kirim "
              "dokumen yang lebih pendek, atau teks artikelnya saja"),
    ErrorText("too_large", r"the document contains too many parts",
              "the document contains too many parts; {send_advice}",
              "dokumen itu berisi terlalu banyak bagian; {send_advice}"),
    ErrorText("too_large", r"the document would expand to more than (?P<size>.+)",
              "unpacked, the document would be larger than {size}; {send_advice}",
              "setelah dibuka, dokumen itu akan lebih besar dari {size}; {send_advice}"),
    ErrorText("too_large", r"the document is compressed suspiciously well \(a ZIP bomb\?\)",
              "the document is compressed suspiciously well (a ZIP bomb?); {send_advice}",
              "dokumen itu dipadatkan secara mencurigakan (bom ZIP?); {send_advice}"),
    # articles, feeds, the bot itself
    ErrorText("no_text", r"the (?:article|entry) has no text",
              "there is no text in it to store",
              "tidak ada teks di dalamnya untuk disimpan"),
    ErrorText("too_large", r"the article is longer than (?P<limit>[\d,]+) characters",
              "the article is longer than {limit} characters; send a shorter part of it",
              "artikel itu lebih panjang dari {limit} karakter; kirim sebagian yang lebih pendek"),
    ErrorText("busy", r"I am still working on your previous file or link; send this one again when it is done",
              "I am still working on your previous file or link; send this one again when it is done",
              "saya masih mengerjakan berkas atau tautan Anda sebelumnya; kirim lagi yang ini setelah selesai"),
    ErrorText("failed", r"unknown problem",
              "something went wrong on my side; please try again",
              "ada yang salah di pihak saya; silakan coba lagi"),
    ErrorText("feed_exists", r"this feed is already subscribed",
              "this feed is already subscribed; /feeds lists them",
              "feed itu sudah dilanggan; /feeds menampilkan daftarnya"),
    ErrorText("not_feed", r"this address is not an RSS or Atom feed and names none",
              "this address is not an RSS or Atom feed and the page names none; send the feed's own address",
              "alamat itu bukan feed RSS atau Atom dan halamannya tidak menyebut feed; kirim alamat feed-nya sendiri"),
    ErrorText("broken_feed", r"the feed is not valid XML",
              "the feed is not valid XML; try again later, or check that the address is the site's feed",
              "feed itu bukan XML yang valid; coba lagi nanti, atau periksa apakah alamat itu memang feed situsnya"),
)
"""Every reason the engine gives a chat user, in both languages; tests check that each one the code can give is here."""


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

# Forwarded bursts, pasted text and what is not an article (issue 12, cases 2, 5, 6).
TEXTS["en"].update({
    "burst_saved": "Saved {posts:post|posts} from {sources}:",
    "burst_duplicates": "{posts:post|posts} I already had.",
    "burst_failed": "{posts:post|posts} not stored: {reasons}.",
    "burst_failed_list": "{posts:post|posts} not stored:",
    "and": "and",
})
TEXTS["id"].update({
    "burst_saved": "Tersimpan {posts} postingan dari {sources}:",
    "burst_duplicates": "{posts} postingan sudah ada sebelumnya.",
    "burst_failed": "{posts} postingan tidak disimpan: {reasons}.",
    "burst_failed_list": "{posts} postingan tidak disimpan:",
    "and": "dan",
})
ERROR_TEXTS += (
    ErrorText("question", r"it is a question, not an article",
              "it is a question, not an article; type it to me yourself and I will look for the answer",
              "itu pertanyaan, bukan artikel; ketik sendiri pertanyaannya kepada saya dan saya carikan jawabannya"),
    ErrorText("chat_remark", r"it reads like a chat message, not news",
              "it reads like a chat message, not news; forward news posts, or send an article's link or text",
              "isinya seperti pesan obrolan, bukan berita; teruskan postingan berita, atau kirim tautan atau teks "
              "artikelnya"),
    ErrorText("too_short", r"it is too short to be an article \(only a few words\)",
              "it is too short to be an article (only a few words); send the whole article or its link",
              "terlalu pendek untuk menjadi artikel (hanya beberapa kata); kirim artikel lengkapnya atau tautannya"),
)

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

# Small talk: a friendly line instead of a search.
TEXTS["en"].update({
    "chat_thanks": "You're welcome! Ask me anything about the stored news.",
    "chat_greeting": "Hello! Ask me a question about the stored news, e.g. “who accompanied Putin?”, or forward me "
                     "a post to store.",
    "chat_ack": "👍 Ask me a question about the stored news whenever you like.",
    "ask_vague": "What or whom do you mean? Ask the whole question, e.g. “who accompanied Putin?”.",
})
TEXTS["id"].update({
    "chat_thanks": "Sama-sama! Tanyakan apa saja tentang berita yang tersimpan.",
    "chat_greeting": "Halo! Ajukan pertanyaan tentang berita yang tersimpan, misalnya “siapa yang mendampingi "
                     "Putin?”, atau teruskan postingan untuk disimpan.",
    "chat_ack": "👍 Silakan ajukan pertanyaan tentang berita yang tersimpan kapan saja.",
    "ask_vague": "Apa atau siapa yang dimaksud? Tulis pertanyaan lengkapnya, misalnya “siapa yang mendampingi "
                 "Putin?”.",
})

COMMANDS = ("start", "help", "ask", "add", "sources", "article", "delete", "stats", "reset", "lang", "latest",
            "timeline", "subscribe", "feeds", "unsubscribe", "channels")


def clock(moment: datetime | None, zone: str, lang: str) -> str:
    """A stored UTC time ("last added", "last success") as the readers' wall clock in `zone`, or "never"."""
    if moment is None:
        return text(lang, "never")
    return wall_clock(moment, ZoneInfo(zone)).strftime("%Y-%m-%d %H:%M")


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
    """The reason for a user-caused failure in the user's language, as specific in Indonesian as in English: what
    happened (the status, the host, the limit) and what the user can do. A reason the catalogue does not know
    yet is given as the engine wrote it in English, and by its code's general meaning in Indonesian."""
    for reason in ERROR_TEXTS:
        found = reason.match(error)
        if found is not None:
            return reason.render(lang, found)
    if lang == "id" and error.code in ERRORS_ID:
        return ERRORS_ID[error.code]
    return error.message


def command_menu(lang: str) -> list[tuple[str, str]]:
    """The command menu as (command, description) pairs."""
    return [(name, text(lang, f"cmd_{name}")) for name in COMMANDS]
