"""Crash-test driver: ingest a deterministic batch of synthetic articles and report each one stored.

Run as a script by tests/test_crash_safety.py, which SIGKILLs it at random moments:

    python tests/crash_driver.py --data-dir DIR --report FILE --count 200 --seed 7 [--batch 16] [--save-each-batch]
    python tests/crash_driver.py --data-dir DIR --report FILE --action reindex-approximate|reindex-exact|delete

The second form works on a library filled beforehand: it rebuilds the indexes (changing the index type) or
deletes every other article, so kills also land inside a re-index, an index-type change and deletes.

Every line written to the report is flushed and fsync'ed before the next article is looked at, so a
line in the report is a promise: "this article was committed and Library.add_articles said 'added'".

    ready\t<pid>\t<repair note or ->          the library is open (indexes repaired) and ingest starts
    committed\t<title>                        (--pause-at commit) an article's transaction just committed;
                                              the driver now sleeps before it updates the indexes and reports
    saving\t-                                 (--pause-at save) the vector index is saved, the lexical one not yet
    added\t<item>\t<article id>\t<chunks>     one IngestResult with status 'added'
    duplicate\t<item>\t<article id>           already stored by an earlier (killed) run
    failed\t<item>\t<code>                    should never happen with these articles
    done\t<added>\t<duplicates>               the whole batch went through and the library was closed
    renaming\t<file>                          (--pause-at rename, rename2) the first (second) finished index file
                                              waits to be renamed into place
    deleting\t<article id>                    (--pause-at delete) a delete just committed; the indexes do not know yet
    deleted\t<article id>                     (--action delete) Library.delete returned True
    reindexed\t<chunks>\t<kind>               (--action reindex-*) the rebuild finished

The article generator lives here too so the test and the driver build exactly the same articles.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

SYLLABLES = ("ka", "lu", "mar", "tin", "so", "ga", "ri", "pan", "de", "wu", "jo", "ra", "bel", "nu", "sem", "pi",
             "tan", "go", "lam", "ye")
OFFICIALS = ("Bupati", "Camat", "Kepala desa", "Gubernur", "Wali kota", "Ketua RT", "Kapolsek", "Kepala dinas")
PEOPLE = ("Siti Rahmawati", "Budi Santoso", "Dr. Agus Wibowo", "Ir. Made Suarta", "Hj. Nurhayati", "Prof. Lina Marpaung",
          "Yohanes Kii", "Andi Baso", "Rizky Pratama", "Dewi Lestari")
TOPICS = (
    ("banjir", "air sungai meluap setelah hujan deras semalaman", "warga mengungsi ke balai desa"),
    ("panen", "petani memanen padi lebih awal karena cuaca kering", "harga gabah turun di pasar"),
    ("jalan", "pemerintah memperbaiki jalan yang rusak sepanjang tiga kilometer", "truk pengangkut pasir dilarang lewat"),
    ("sekolah", "gedung sekolah dasar direnovasi dengan dana desa", "murid belajar sementara di masjid"),
    ("pasar", "pedagang pasar tradisional pindah ke gedung baru", "pembeli mengeluhkan tempat parkir"),
    ("listrik", "aliran listrik padam selama dua hari", "genset dipinjam dari kecamatan"),
    ("nelayan", "nelayan tidak melaut karena gelombang tinggi", "harga ikan naik di pelelangan"),
    ("kesehatan", "puskesmas membuka layanan vaksinasi keliling", "antrean warga mengular sejak pagi"),
)
TREES = ("mangga", "durian", "jati", "mahoni", "kelapa", "rambutan", "trembesi", "sengon")
RIVERS = ("Ciliwung", "Brantas", "Musi", "Kapuas", "Bengawan", "Cisadane", "Mahakam", "Batanghari")
FILLER = (
    "Menurut keterangan warga, kejadian serupa pernah terjadi beberapa tahun lalu.",
    "Aparat setempat meminta masyarakat tetap tenang dan mengikuti arahan petugas.",
    "Rapat koordinasi digelar di kantor kecamatan pada Senin (12/8) pagi.",
    "Anggaran yang disiapkan mencapai Rp 1,5 miliar dari APBD kabupaten.",
    "\"Kami akan terus memantau perkembangan di lapangan,\" ujarnya kepada wartawan.",
    "Sejumlah relawan ikut membantu membersihkan lingkungan... meski hujan belum reda.",
    "Data BPS No. 12/2024 mencatat jumlah penduduk desa itu sekitar 4.500 jiwa.",
    "Warga berharap pemerintah pusat ikut turun tangan 🙏.",
    "Hingga berita ini diturunkan, belum ada tanggapan resmi dari pihak terkait.",
    "Kegiatan tersebut juga melibatkan mahasiswa KKN dari universitas negeri terdekat.",
)
ENGLISH_FILLER = (
    "Local officials said the situation was under control by Tuesday evening.",
    "Residents told reporters they had not seen anything like it in a decade.",
    "The district budget allocated about 1.5 billion rupiah for the work.",
    "Volunteers from nearby villages joined the clean-up on Sunday morning.",
)


@dataclass(frozen=True)
class SyntheticArticle:
    """One generated article plus a question whose answer is in its own text."""

    item: str
    title: str
    text: str
    question: str


def place_name(index: int) -> str:
    """A made-up village name that is unique for every index below 8000."""
    parts, value = [], index
    for _ in range(3):
        parts.append(SYLLABLES[value % len(SYLLABLES)])
        value //= len(SYLLABLES)
    return "".join(parts).capitalize()


def make_article(index: int, seed: int) -> SyntheticArticle:
    """A deterministic, varied news-like article; about one in eight is in English."""
    rng = random.Random(f"{seed}:{index}")
    place = place_name(index)
    tree, river = rng.choice(TREES), rng.choice(RIVERS)
    count = 100 + index * 7 + rng.randrange(5)
    topic, what, consequence = rng.choice(TOPICS)
    official, person = rng.choice(OFFICIALS), rng.choice(PEOPLE)
    if rng.random() < 0.125:
        title = f"{place} residents plant {count} {tree} trees along the {river}"
        key = f"Residents of {place} planted {count} {tree} saplings along the banks of the {river} river."
        question = f"How many {tree} saplings did the residents of {place} plant along the {river}?"
        filler = ENGLISH_FILLER
        opener = f"{place} village saw a busy week as {person} led the community programme."
    else:
        title = f"Warga {place} tanam {count} pohon {tree} di tepi {river}"
        key = f"Warga Desa {place} menanam {count} bibit pohon {tree} di sepanjang tepi Sungai {river}."
        question = f"Berapa bibit pohon {tree} yang ditanam warga Desa {place} di tepi Sungai {river}?"
        filler = FILLER
        opener = f"{official} {place}, {person}, mengatakan {what}, sehingga {consequence}."
    paragraphs = [opener]
    for _ in range(rng.randint(1, 4)):
        paragraphs.append(" ".join(rng.sample(filler, k=min(len(filler), rng.randint(1, 3)))))
    paragraphs.insert(rng.randint(1, len(paragraphs)), key)
    if rng.random() < 0.2:
        paragraphs.append("- " + "\n- ".join(rng.sample(filler, k=2)))
    return SyntheticArticle(f"artikel-{index:04d}", title, "\n\n".join(paragraphs), question)


def make_articles(count: int, seed: int) -> list[SyntheticArticle]:
    """The whole batch, always the same for the same count and seed."""
    return [make_article(i, seed) for i in range(count)]


class Report:
    """An append-only report whose every line is on disk before write() returns."""

    def __init__(self, path: Path) -> None:
        self._file = open(path, "a", encoding="utf-8")

    def write(self, *fields: object) -> None:
        self._file.write("\t".join(str(f) for f in fields) + "\n")
        self._file.flush()
        os.fsync(self._file.fileno())

    def close(self) -> None:
        self._file.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, required=True)
    parser.add_argument("--report", type=Path, required=True)
    parser.add_argument("--count", type=int, default=200)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--batch", type=int, default=16)
    parser.add_argument("--save-each-batch", action="store_true",
                        help="persist the indexes after every batch, so kills also land inside index saves")
    parser.add_argument("--pause-at", choices=("commit", "save", "rename", "rename2", "delete"),
                        help="once, sleep right after a commit (before the index update and the report), between "
                             "saving the vector and the lexical index, before renaming the first (second) written index "
                             "file into place, or right after a delete commits, announcing it, so the test can kill "
                             "exactly there")
    parser.add_argument("--pause-seconds", type=float, default=30.0)
    parser.add_argument("--action", choices=("ingest", "reindex-approximate", "reindex-exact", "delete"),
                        default="ingest")
    parser.add_argument("--hash-embedder", action="store_true", help="the fast hash embedder instead of the model")
    args = parser.parse_args(argv)

    from retrieval.embedding.hashing import HashEmbedder
    from retrieval.ingest.documents import ArticleDraft
    from retrieval.library import Library
    from retrieval.settings import Settings

    # The data directory travels in TANYA_DATA_DIR, the one way Settings is sure to read it.
    data_dir = args.data_dir.resolve()
    os.environ["TANYA_DATA_DIR"] = str(data_dir)
    settings = Settings(_env_file=None)
    if settings.data_dir.resolve() != data_dir:
        parser.error(f"settings point at {settings.data_dir}, not {data_dir}; refusing to touch another library")
    report = Report(args.report)
    library = Library(settings, HashEmbedder() if args.hash_embedder else None, check_model=args.action == "ingest")
    if args.pause_at:
        pause_once(library, report, args.pause_at, args.pause_seconds)
    report.write("ready", os.getpid(), library.repair_note or "-")
    if args.action != "ingest":
        return maintain(library, report, args.action)
    articles = make_articles(args.count, args.seed)
    items = ((a.item, ArticleDraft(text=a.text, title=a.title, source="crash-driver")) for a in articles)
    added = duplicates = 0
    for position, result in enumerate(library.add_articles(items, batch_size=args.batch), 1):
        if result.status == "added":
            added += 1
            report.write("added", result.item, result.article_id, result.chunks)
        elif result.status == "duplicate":
            duplicates += 1
            report.write("duplicate", result.item, result.article_id)
        else:
            report.write("failed", result.item, result.error.code if result.error else "?")
        if args.save_each_batch and position % args.batch == 0:
            library.indexes.save()
    library.close()
    report.write("done", added, duplicates)
    report.close()
    return 0


def maintain(library, report: Report, action: str) -> int:
    """Re-index (as `tanya reindex --approximate/--exact` does) or delete every other article, reporting each step."""
    if action == "delete":
        for info in library.list(0, 100_000)[::2]:
            if library.delete(info.id):
                report.write("deleted", info.id)
    else:
        count = library.reindex(approximate=action == "reindex-approximate")
        report.write("reindexed", count, library.indexes.vectors.kind)
    library.close()
    report.write("done", 0, 0)
    report.close()
    return 0


def pause_once(library, report: Report, where: str, seconds: float) -> None:
    """Instrument this process only: widen one critical window so a SIGKILL is sure to land inside it."""
    import time

    paused = []
    if where.startswith("rename"):
        rename, skip = os.replace, [int(where.removeprefix("rename") or 1) - 1]

        def pause_then_rename(source, target):
            if str(source).endswith(".tmp") and skip[0]:
                skip[0] -= 1
            elif not paused and str(source).endswith(".tmp"):
                paused.append(True)
                report.write("renaming", Path(target).name)
                time.sleep(seconds)
            return rename(source, target)

        os.replace = pause_then_rename
    elif where == "delete":
        delete_article = library.repo.delete_article

        def deleted_then_pause(article_id):
            chunk_ids = delete_article(article_id)
            if chunk_ids is not None and not paused:
                paused.append(True)
                report.write("deleting", article_id)
                time.sleep(seconds)
            return chunk_ids

        library.repo.delete_article = deleted_then_pause
    elif where == "commit":
        add_article = library.repo.add_article

        def committed_then_pause(article, chunks, model):
            stored = add_article(article, chunks, model)
            if stored is not None and not paused:
                paused.append(True)
                report.write("committed", article.title)
                time.sleep(seconds)
            return stored

        library.repo.add_article = committed_then_pause
    else:
        save_lexical = library.indexes.lexical.save

        def pause_then_save(folder):
            if not paused:
                paused.append(True)
                report.write("saving", "-")
                time.sleep(seconds)
            return save_lexical(folder)

        library.indexes.lexical.save = pause_then_save


if __name__ == "__main__":
    sys.exit(main())
