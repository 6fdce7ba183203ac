"""Scenarios for files and links (issue 12, cases 4, 6 and 9): a wrapped PDF answers with whole sentences, a file
that is not an article is refused saying what can be sent, and every failure is explained as fully in Indonesian
as in English, with what the user can do.

The links point at a real local web site on 127.0.0.1 (bench/web.py) that the runner serves while a scenario
plays."""

from __future__ import annotations

import io
import textwrap
import time
import zipfile
from http.server import BaseHTTPRequestHandler

import pytest

from tests.scenarios.runner import play
from tests.scenarios.script import Expect, Say, Scenario, Upload
from tests.documents import make_pdf
from bench.web import page, respond

SLOW_SECONDS = 3.0


def slow_page(handler: BaseHTTPRequestHandler) -> None:
    """A page that answers only after SLOW_SECONDS, longer than the scenario's fetch timeout."""
    time.sleep(SLOW_SECONDS)
    respond(handler, 200, "text/html", b"<html><body><p>terlambat</p></body></html>")


UNDATED_REPORT = (
    b"<html><head><title>Laporan infrastruktur Jawa Barat 2024 | Kabar Lokal</title></head><body>"
    b"<nav>Beranda | Nasional | Daerah</nav><article><h1>Laporan infrastruktur Jawa Barat 2024</h1>"
    b"<p>Waduk Jatigede di Sumedang kini memasok listrik 110 megawatt dari pembangkit listrik tenaga air. "
    b"Pemerintah daerah berkoordinasi dengan pemerintah pusat untuk mempercepat pembangunan jalan akses, jaringan "
    b"listrik dan air bersih di sekitar waduk.</p></article>"
    b"<footer>&copy; 2024 Kabar Lokal. Hak cipta dilindungi.</footer></body></html>"
)
"""A page that never says when it was published, only a year in its title and copyright line."""

PAGES = {"/lambat": slow_page, "/tabel.csv": page("application/octet-stream", b"a,b\n1,2\n"),
         "/laporan": page("text/html", UNDATED_REPORT)}

EXPORT_REPORT = (
    "Export Outlook for the Year",
    "The Ministry of Trade said on Monday that it aims to reach 1.2 billion dollars in furniture exports by the end "
    "of the year, helped by new buyers in the Middle East and lower shipping costs.",
    "Rattan furniture from Cirebon makes up most of the shipments, the ministry added, while teak pieces from Jepara "
    "come second.",
)


def wrapped_pdf(title: str, paragraphs: tuple[str, ...], width: int = 58) -> bytes:
    """A PDF whose paragraphs are hard-wrapped at `width` characters, as a PDF writer lays out a page."""
    lines = [title]
    for paragraph in paragraphs:
        lines.extend(textwrap.wrap(paragraph, width))
    return make_pdf(lines)


def zip_archive() -> bytes:
    """A .zip holding two articles, as a user might send a folder of them."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("satu.txt", "Judul satu\nIsi berita pertama.")
        archive.writestr("dua.txt", "Judul dua\nIsi berita kedua.")
    return buffer.getvalue()


CLASSROOMS = ("Ruang kelas baru untuk SMA di pelosok Jawa Barat\n\n"
              "Pemerintah provinsi membangun 120 ruang kelas baru untuk sekolah menengah atas di daerah pelosok. "
              "Rapat koordinasi digelar setiap bulan untuk memantau kemajuan pekerjaan. Sejumlah pengamat meminta "
              "pemerintah memperhatikan dampak lingkungan. Anggaran proyek bersumber dari APBN, APBD dan investasi "
              "swasta. Dinas terkait juga menyiapkan pelatihan bagi guru di sekolah-sekolah baru tersebut.")
"""A report that a user later uploads again corrected (one figure changed)."""

SEND_EN = (".txt", ".md", ".html", ".pdf", ".docx")
SEND_ID = ("kirim artikelnya sebagai berkas", ".txt", ".pdf", ".docx")

SCENARIOS = [
    Scenario(
        "A PDF whose lines wrap mid-sentence answers with its key sentence whole, not cut at the line end",
        steps=(
            Upload("export-outlook.pdf", wrapped_pdf(EXPORT_REPORT[0], EXPORT_REPORT[1:]), "application/pdf"),
            Expect(has=("Saved",)),
            Say("how much in furniture exports does the ministry aim to reach?"),
            Expect(has=("aims to reach 1.2 billion dollars in furniture exports by the end of the year",),
                   bold=("1.2 billion dollars",)),
        ),
    ),
    Scenario(
        "A .csv upload is not stored as an article; the reply names the kinds of file that are, in both languages",
        steps=(
            Upload("data.csv", b"a,b\n1,2\n", "text/csv"),
            Expect(has=(".csv files are not read as articles", *SEND_EN), lacks=("Saved",)),
            Upload("data.csv", b"a,b\n1,2\n", "text/csv", lang="id"),
            Expect(has=("berkas .csv tidak dibaca sebagai artikel", *SEND_ID), lacks=("Tersimpan",)),
            Say("/sources"),
            Expect(has=("No articles are stored yet",)),
        ),
    ),
    Scenario(
        "A .zip upload is called a ZIP archive, not a damaged Word document, and the user is told what to send",
        steps=(
            Upload("berita.zip", zip_archive(), "application/zip"),
            Expect(has=("ZIP archive, not an article", *SEND_EN), lacks=("Word", "damaged")),
            Upload("berita.zip", zip_archive(), "application/zip", lang="id"),
            Expect(has=("arsip ZIP, bukan artikel", *SEND_ID), lacks=("Word", "rusak")),
        ),
    ),
    Scenario(
        "A damaged PDF is explained as damaged, with what to do, in English and in Indonesian",
        steps=(
            Upload("laporan.pdf", b"%PDF-1.4\n" + bytes(range(256)) * 4, "application/pdf"),
            Expect(has=("the PDF is damaged", "send the article as a .txt")),
            Upload("laporan.pdf", b"%PDF-1.4\n" + bytes(range(256)) * 4, "application/pdf", lang="id"),
            Expect(has=("PDF itu rusak", "ekspor ulang", "kirim artikelnya sebagai berkas")),
        ),
    ),
    Scenario(
        "A file over the upload limit is refused before download, saying the limit and what to send instead",
        settings={"max_upload_bytes": 200},
        steps=(
            Upload("panjang.txt", b"kata berita " * 100, "text/plain"),
            Expect(has=("too large", "limit", "smaller file")),
            Upload("panjang.txt", b"kata berita " * 100, "text/plain", lang="id"),
            Expect(has=("terlalu besar", "batasnya", "berkas yang lebih kecil")),
        ),
    ),
    Scenario(
        "A link to a missing page gives its HTTP status and what to check, in Indonesian as in English",
        pages=PAGES,
        steps=(
            Say("{site}/hilang"),
            Expect(has=("404", "check that the link is complete")),
            Say("{site}/hilang", lang="id"),
            Expect(has=("status HTTP 404", "halamannya tidak ada", "periksa apakah tautannya lengkap")),
        ),
    ),
    Scenario(
        "A link to a local address is refused naming the address and why, in Indonesian as in English",
        pages=PAGES,
        settings={"fetch_allow_private": False},
        steps=(
            Say("{site}/rahasia"),
            Expect(has=("127.0.0.1", "loopback", "only public web sites")),
            Say("{site}/rahasia", lang="id"),
            Expect(has=("127.0.0.1", "alamat loopback", "hanya situs web publik")),
        ),
    ),
    Scenario(
        "A site that answers too slowly is reported with the time waited and a suggestion to try later",
        pages=PAGES,
        settings={"fetch_timeout_seconds": 1.0},
        steps=(
            Say("{site}/lambat", lang="id"),
            Expect(has=("tidak menjawab dalam 1 detik", "coba lagi nanti")),
        ),
    ),
    Scenario(
        "A page that gives only a year (title, copyright line) is not cited as published on 1 January of it",
        pages=PAGES,
        steps=(
            Say("{site}/laporan", lang="id"),
            Expect(has=("Tersimpan",)),
            Say("berapa megawatt listrik dari Waduk Jatigede?", lang="id"),
            Expect(has=("110 megawatt", "Laporan infrastruktur Jawa Barat 2024"), lacks=("2024-01-01",)),
            Say("/sources", lang="id"),
            Expect(has=("Laporan infrastruktur Jawa Barat 2024",), lacks=("2024-01-01",)),
        ),
    ),
    Scenario(
        "A corrected version of an uploaded report shows its new figure beside the old, not folded away as a copy",
        steps=(
            Upload("kelas.txt", CLASSROOMS.encode(), "text/plain", lang="id"),
            Expect(has=("Tersimpan",)),
            Upload("kelas-revisi.txt", CLASSROOMS.replace("120 ruang", "150 ruang").encode(), "text/plain", lang="id"),
            Expect(has=("Tersimpan",)),
            Say("berapa ruang kelas baru yang dibangun?", lang="id"),
            Expect(has=("120 ruang kelas", "150 ruang kelas"), lacks=("juga di",)),
        ),
    ),
    Scenario(
        "A link to a .csv file is not stored as an article either",
        pages=PAGES,
        steps=(
            Say("{site}/tabel.csv", lang="id"),
            Expect(has=("berkas .csv tidak dibaca sebagai artikel",), lacks=("Tersimpan",)),
        ),
    ),
]


@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda s: s.story)
def test_files(scenario: Scenario, scenario_bot) -> None:
    """Each file and link story plays as written."""
    play(scenario, scenario_bot)
