"""Articles and pages that several test modules store: the sample's answer, a flood story, two unrelated stories,
dated news about the Cirata solar farm and rice, and an earthquake news page (tests import data from here, never
from another test module)."""

from __future__ import annotations

from datetime import datetime

from retrieval.ingest.documents import ArticleDraft

BELOUSOV = "Delegasi Rusia yang mendampingi Putin antara lain Menteri Pertahanan Andrei Belousov"

WEATHER = ArticleDraft(
    title="Hujan deras landa Bandung",
    source="Contoh.id",
    text="Hujan deras mengguyur Kota Bandung sejak Senin sore. Banjir setinggi 50 cm merendam 300 rumah di "
    "Kecamatan Dayeuhkolot. BPBD mengerahkan perahu karet untuk mengevakuasi warga.",
)

OTHER_ARTICLES = [
    ArticleDraft(title="Sejarah Candi Borobudur", text=(
        "Candi Borobudur dibangun pada abad ke-8 oleh Dinasti Syailendra di Magelang, Jawa Tengah.\n"
        "Candi ini adalah candi Buddha terbesar di dunia dan ditetapkan sebagai Situs Warisan Dunia UNESCO pada 1991.\n"
        "Setiap tahun ribuan umat Buddha merayakan Waisak di kompleks candi tersebut.")),
    ArticleDraft(title="Danau Toba, danau vulkanik terbesar", text=(
        "Danau Toba di Sumatera Utara terbentuk dari letusan supervulkan sekitar 74.000 tahun yang lalu.\n"
        "Di tengah danau terdapat Pulau Samosir yang dihuni masyarakat Batak Toba.\n"
        "Pemerintah menjadikan kawasan Danau Toba sebagai destinasi pariwisata super prioritas.")),
]

SOLAR_2024 = ArticleDraft(
    title="PLTS Terapung Cirata diresmikan",
    text=("Presiden meresmikan pembangkit listrik tenaga surya (PLTS) terapung Cirata di Purwakarta, Jawa Barat. "
          "Ladang surya terapung terbesar di Asia Tenggara itu kini berkapasitas 192 megawatt peak."),
    source="Antara", published_at=datetime(2024, 5, 14, 9, 30))
SOLAR_2023 = ArticleDraft(
    title="Pembangunan PLTS Terapung Cirata",
    text=("Pembangunan pembangkit listrik tenaga surya (PLTS) terapung Cirata di Purwakarta mencapai 60 persen. "
          "Ladang surya terapung itu direncanakan berkapasitas 145 megawatt."),
    source="Kompas", published_at=datetime(2023, 3, 2, 8, 0))
RICE_TODAY = ArticleDraft(
    title="Harga beras naik di Cipinang",
    text=("Harga beras medium di Pasar Induk Beras Cipinang naik menjadi Rp 13.500 per kilogram. "
          "Pedagang menyebut pasokan dari sentra produksi berkurang."),
    source="Tempo")

EARTHQUAKE_PAGE = b"""<html><head><title>Gempa Cianjur</title><meta property="og:site_name" content="Kabar Lokal"></head>
<body><article><h1>Gempa magnitudo 5,6 guncang Cianjur</h1>
<p>Gempa bermagnitudo 5,6 mengguncang Kabupaten Cianjur, Jawa Barat, pada Senin siang.</p>
<p>Badan Meteorologi, Klimatologi, dan Geofisika mencatat pusat gempa berada di darat pada kedalaman 10 kilometer.</p>
<p>Ribuan rumah rusak dan warga diminta menjauhi bangunan yang retak karena gempa susulan masih mungkin terjadi.</p>
</article></body></html>"""
