"""A small news corpus for the scenario suite: articles stored before a conversation starts, and channel posts that
users forward during it. Indonesian and English, two Jakarta channels and one English wire, on unrelated topics so
that a wrong citation shows."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from retrieval.ingest.documents import ArticleDraft
from tests.conftest import sample_draft


@dataclass(frozen=True)
class Post:
    """A post as published in a public channel: where, when, and its text."""

    channel: str
    number: int
    date: str
    text: str

    @property
    def link(self) -> str:
        """The post's public t.me link."""
        return f"https://t.me/{self.channel}/{self.number}"


def published(value: str) -> datetime:
    """A "YYYY-MM-DD HH:MM" date in UTC."""
    return datetime.strptime(value, "%Y-%m-%d %H:%M").replace(tzinfo=timezone.utc)


def jakarta_day(days_ago: int) -> date:
    """The day on the Jakarta clock (the bot's default) `days_ago` days before today there."""
    return datetime.now(ZoneInfo("Asia/Jakarta")).date() - timedelta(days=days_ago)


def morning_of(day: date) -> str:
    """09:00 in Jakarta on `day`, as the "YYYY-MM-DD HH:MM" UTC time a post's date is written in."""
    return f"{day.isoformat()} 02:00"


CHANNEL_TITLES = {"kabarjkt": "Kabar Jakarta", "infobmkg": "Info BMKG", "jakartawire": "Jakarta Wire"}

ARTICLES: dict[str, ArticleDraft] = {
    "putin": sample_draft(),
    "rice": ArticleDraft(
        title="Harga beras di Pasar Induk Cipinang naik lagi", source="Kabar Jakarta (@kabarjkt)",
        url="https://t.me/kabarjkt/880", published_at=published("2024-05-27 07:30"), text=(
            "Harga beras di Pasar Induk Cipinang naik lagi\n\n"
            "Harga beras medium di Pasar Induk Cipinang naik menjadi Rp 14.800 per kilogram pada Senin pagi. "
            "Para pedagang menyebut pasokan dari Karawang dan Cianjur berkurang karena panen mundur. "
            "Beras premium kini dijual Rp 16.200 per kilogram. "
            "Perum Bulog berencana menyalurkan beras cadangan ke pasar-pasar di Jakarta mulai pekan depan.")),
    "mrt": ArticleDraft(
        title="Jakarta's MRT extension to Kota reaches 80 percent", source="Jakarta Wire",
        url="https://jakartawire.example/mrt-kota", published_at=published("2024-05-20 03:00"), text=(
            "Construction of the MRT extension from Bundaran HI to Kota has reached 80 percent, the operator said on "
            "Monday. The 5.8-kilometre line adds seven underground stations, including one beneath the old "
            "Glodok market. Tunnelling was slowed last year when workers found the remains of an eighteenth-century "
            "canal wall near Kota station. The operator expects the first trains to run in 2027, and a ride from "
            "Lebak Bulus to Kota will take about 45 minutes.")),
    "flood": ArticleDraft(
        title="Banjir rendam 40 RT di Jakarta Timur", source="Berita Kota", url="https://beritakota.example/banjir",
        published_at=published("2024-05-29 05:00"), text=(
            "Hujan deras sejak Selasa malam membuat Kali Ciliwung meluap dan merendam 40 RT di Jakarta Timur. "
            "Ketinggian air di Kampung Melayu mencapai 1,5 meter pada Rabu pagi. "
            "Badan Penanggulangan Bencana Daerah mencatat 1.200 warga mengungsi ke masjid dan sekolah terdekat. "
            "Petugas membuka tiga dapur umum dan menyiagakan perahu karet untuk evakuasi.")),
}

POSTS: dict[str, Post] = {
    "odd-even": Post("kabarjkt", 900, "2024-06-01 08:00", (
        "Ganjil genap diperluas ke 26 ruas jalan\n\n"
        "Dinas Perhubungan DKI Jakarta memperluas aturan ganjil genap ke 26 ruas jalan mulai Senin, 3 Juni. "
        "Aturan berlaku pukul 06.00-10.00 dan 16.00-21.00 pada hari kerja. "
        "Pelanggar akan didenda hingga Rp 500.000 sesuai Undang-Undang Lalu Lintas.")),
    "zoo": Post("kabarjkt", 950, "2024-06-04 09:00", (
        "Ragunan dikunjungi 85.000 orang saat libur panjang\n\n"
        "Taman Margasatwa Ragunan menerima 85.000 pengunjung pada hari Minggu selama libur panjang. "
        "Pengelola menambah petugas kebersihan dan membuka dua loket tiket tambahan. "
        "Pengunjung diminta membeli tiket secara daring lewat aplikasi JakOne Mobile.")),
    "busway": Post("kabarjkt", 951, "2024-06-04 11:15", (
        "Transjakarta buka rute baru Blok M-Bandara Soekarno-Hatta\n\n"
        "Transjakarta membuka rute baru dari Terminal Blok M ke Bandara Soekarno-Hatta mulai 10 Juni. "
        "Tarifnya Rp 3.500, sama dengan rute lain, dan bus berangkat setiap 30 menit.")),
    "quake": Post("infobmkg", 4410, "2024-06-03 14:20", (
        "Gempa magnitudo 5,2 guncang Garut\n\n"
        "Gempa bermagnitudo 5,2 mengguncang Kabupaten Garut, Jawa Barat, pada Senin pukul 21.05 WIB. "
        "Pusat gempa berada 45 kilometer barat daya Garut pada kedalaman 10 kilometer. "
        "BMKG menyatakan gempa tidak berpotensi tsunami.")),
    "heat": Post("infobmkg", 4412, "2024-06-04 02:00", (
        "Suhu Jakarta diperkirakan capai 35 derajat\n\n"
        "BMKG memperkirakan suhu maksimum di Jakarta mencapai 35 derajat Celsius pada Selasa dan Rabu. "
        "Warga diimbau minum air yang cukup dan menghindari aktivitas di luar ruangan pada siang hari.")),
    "election": Post("jakartawire", 77, "2024-06-02 06:00", (
        "Jakarta governor race: three pairs registered\n\n"
        "Three candidate pairs registered for the Jakarta governor election with the regional election commission "
        "on Sunday. The vote is scheduled for 27 November, and campaigning starts in late September. "
        "The commission said 8.2 million residents are eligible to vote.")),
    "airport": Post("jakartawire", 78, "2024-06-03 07:40", (
        "Soekarno-Hatta opens its fourth terminal\n\n"
        "Soekarno-Hatta International Airport opened its fourth terminal on Monday, adding room for 25 million "
        "passengers a year. The first flights to use it were domestic routes to Bali and Makassar.")),
}
