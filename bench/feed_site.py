"""Feeds served by a real local web server that honours (and counts) conditional requests (tests and the feed
benchmark)."""

from __future__ import annotations

from http.server import BaseHTTPRequestHandler

from bench.web import Handler, respond

WORDS = ("Pemerintah daerah menyalurkan bantuan beras dan air bersih kepada warga terdampak banjir di sejumlah "
         "kecamatan. Petugas gabungan mendirikan dapur umum dan posko kesehatan di balai desa. ")


def long_text(topic: str, repeat: int = 12) -> str:
    """An article body of well over the summary threshold, about `topic`."""
    return f"{topic}. " + WORDS * repeat


class FeedRoute:
    """A feed document with an ETag: answers 304 to a matching If-None-Match and counts what it answered."""

    def __init__(self, body: str, content_type: str = "application/rss+xml", etag: str = '"v1"') -> None:
        self.body, self.content_type, self.etag = body, content_type, etag
        self.full = self.not_modified = 0

    def update(self, body: str, etag: str) -> None:
        """Publish a new version."""
        self.body, self.etag = body, etag

    def __call__(self, handler: BaseHTTPRequestHandler) -> None:
        """Serve the feed, or 304 when the client already has this version."""
        if handler.headers.get("If-None-Match") == self.etag:
            self.not_modified += 1
            respond(handler, 304, None, b"", headers={"ETag": self.etag})
            return
        self.full += 1
        respond(handler, 200, self.content_type, self.body.encode(),
                headers={"ETag": self.etag, "Last-Modified": "Tue, 01 Dec 2026 10:00:00 GMT"})


def failing(status: int) -> Handler:
    """A route that answers with an error status."""
    return lambda handler: respond(handler, status, "text/plain", b"broken")


def rss(title: str, items: list[dict[str, str]]) -> str:
    """An RSS 2.0 document; each item may have link, title, author, date, content (full text) and summary."""
    parts = []
    for item in items:
        fields = [f"<title>{item.get('title', '')}</title>"]
        if "link" in item:
            fields.append(f"<link>{item['link']}</link>")
        if "author" in item:
            fields.append(f"<author>{item['author']}</author>")
        if "date" in item:
            fields.append(f"<pubDate>{item['date']}</pubDate>")
        if "summary" in item:
            fields.append(f"<description>{item['summary']}</description>")
        if "content" in item:
            fields.append(f"<content:encoded><![CDATA[<p>{item['content']}</p>]]></content:encoded>")
        parts.append(f"<item>{''.join(fields)}</item>")
    return ('<?xml version="1.0" encoding="utf-8"?><rss version="2.0" '
            'xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel>'
            f"<title>{title}</title><link>http://example.com/</link>{''.join(parts)}</channel></rss>")


def atom(title: str, entries: list[dict[str, str]]) -> str:
    """An Atom document with full-content entries (link, title, date, content)."""
    body = "".join(
        f"<entry><title>{e['title']}</title><link href=\"{e['link']}\"/><id>{e['link']}</id>"
        f"<updated>{e['date']}</updated><author><name>{e.get('author', 'Redaksi')}</name></author>"
        f"<content type=\"html\">&lt;p&gt;{e['content']}&lt;/p&gt;</content></entry>" for e in entries)
    return (f'<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom"><title>{title}</title>'
            f"<id>urn:feed</id><updated>2026-12-01T10:00:00Z</updated>{body}</feed>")


def rdf(title: str, items: list[dict[str, str]]) -> str:
    """An RSS 1.0 (RDF) document with summary items (link, title, summary)."""
    body = "".join(f'<item rdf:about="{i["link"]}"><title>{i["title"]}</title><link>{i["link"]}</link>'
                   f"<description>{i['summary']}</description><dc:date>{i['date']}</dc:date>"
                   f"<dc:creator>{i['author']}</dc:creator></item>" for i in items)
    return ('<?xml version="1.0"?><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" '
            'xmlns="http://purl.org/rss/1.0/" xmlns:dc="http://purl.org/dc/elements/1.1/">'
            f'<channel rdf:about="http://example.com/"><title>{title}</title><link>http://example.com/</link>'
            f"<description>d</description></channel>{body}</rdf:RDF>")
