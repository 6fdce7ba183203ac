"""One self-checking file per index: payload sections plus a JSON trailer with their layout and a SHA-256.

Layout: MAGIC | sections... | trailer JSON | trailer length (8 bytes, little-endian) | MAGIC. The trailer holds the
index's metadata, each section's offset and size, and the SHA-256 of everything before it, so a file that was cut
short, flipped or replaced by something else is refused before a single section is interpreted; nothing in it is
ever executed. The file is written beside its target and renamed over it: one rename commits index and metadata.
"""

from __future__ import annotations

import hashlib
import json
import logging
import mmap
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

log = logging.getLogger(__name__)
MAGIC = b"TANYAIX1"
FORMAT = 1
_TAIL = 8 + len(MAGIC)
_MAX_TRAILER = 1 << 20
_READ_BLOCK = 1 << 20
TMP_SUFFIX = ".tmp"

SectionWriter = Callable[[Callable[[Any], int]], None]


class DamagedIndex(Exception):
    """An index file that cannot be read, or whose checksum or metadata disagree with its contents."""

    def __init__(self, path: Path, reason: str) -> None:
        super().__init__(f"{path.name}: {reason}")
        self.path, self.reason = path, reason


@dataclass(frozen=True)
class IndexFile:
    """A verified index file: its metadata and where each section lies."""

    path: Path
    meta: dict[str, Any]
    sections: dict[str, tuple[int, int]]

    def damaged(self, reason: str) -> DamagedIndex:
        """The error for a file whose verified contents still make no sense."""
        return DamagedIndex(self.path, reason)

    def array(self, name: str, dtype: str) -> np.ndarray:
        """A section read as a one-dimensional array of `dtype` (never pickled objects)."""
        offset, size = self._section(name)
        itemsize = np.dtype(dtype).itemsize
        if size % itemsize:
            raise self.damaged(f"section {name!r} is not a whole number of {dtype} values")
        return np.fromfile(self.path, dtype=np.dtype(dtype), count=size // itemsize, offset=offset)

    def mapped(self, name: str, dtype: str) -> np.ndarray:
        """A section as a read-only array mapped from the file: its pages are read only when used (and then shared
        with the page cache), so a large index costs little resident memory."""
        offset, size = self._section(name)
        itemsize = np.dtype(dtype).itemsize
        if size % itemsize:
            raise self.damaged(f"section {name!r} is not a whole number of {dtype} values")
        if not size:
            return np.zeros(0, dtype=np.dtype(dtype))
        start = offset - offset % mmap.ALLOCATIONGRANULARITY
        with open(self.path, "rb") as handle:
            mapping = mmap.mmap(handle.fileno(), offset + size - start, access=mmap.ACCESS_READ, offset=start)
        return np.frombuffer(mapping, dtype=np.dtype(dtype), count=size // itemsize, offset=offset - start)

    @contextmanager
    def reader(self, name: str) -> Iterator[Callable[[int], bytes]]:
        """A `read(n)` function over one section, for readers that stream (FAISS)."""
        offset, size = self._section(name)
        with open(self.path, "rb") as handle:
            handle.seek(offset)
            left = [size]

            def read(n: int) -> bytes:
                data = handle.read(min(n, left[0]))
                left[0] -= len(data)
                return data

            yield read

    def _section(self, name: str) -> tuple[int, int]:
        if name not in self.sections:
            raise self.damaged(f"section {name!r} is missing")
        return self.sections[name]


def write_index_file(path: Path, kind: str, meta: dict[str, Any], sections: list[tuple[str, SectionWriter]]) -> IndexFile:
    """Write sections and a checked trailer to a temporary file beside `path`, fsync it, and rename it over `path`;
    returns the file as written (for reading sections back without checking what this process just wrote)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}{TMP_SUFFIX}")
    digest = hashlib.sha256()
    layout: dict[str, list[int]] = {}
    try:
        with open(tmp, "wb") as handle:
            def put(data) -> int:
                handle.write(data)
                digest.update(data)
                return memoryview(data).nbytes

            put(MAGIC)
            for name, write in sections:
                start = handle.tell()
                write(put)
                layout[name] = [start, handle.tell() - start]
            trailer = json.dumps({"format": FORMAT, "kind": kind, "meta": meta, "sections": layout,
                                  "payload_bytes": handle.tell(), "sha256": digest.hexdigest()}).encode()
            handle.write(trailer + len(trailer).to_bytes(8, "little") + MAGIC)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    _sync_folder(path.parent)
    return IndexFile(path, meta, {name: (start, size) for name, (start, size) in layout.items()})


def read_index_file(path: Path, kind: str) -> IndexFile | None:
    """The verified file at `path`, or None when there is none; DamagedIndex when it is not a sound `kind` file."""
    try:
        with open(path, "rb") as handle:
            return _verified(path, handle, kind)
    except FileNotFoundError:
        return None
    except OSError as error:
        raise DamagedIndex(path, f"cannot be read ({error.strerror or error})") from None


def _verified(path: Path, handle, kind: str) -> IndexFile:
    """Check both magics, the trailer and the payload's checksum; nothing in the payload is interpreted."""
    size = os.fstat(handle.fileno()).st_size
    if size < len(MAGIC) + _TAIL or handle.read(len(MAGIC)) != MAGIC:
        raise DamagedIndex(path, "not a Tanya index file (bad header)")
    handle.seek(size - _TAIL)
    tail = handle.read(_TAIL)
    trailer_len = int.from_bytes(tail[:8], "little")
    if tail[8:] != MAGIC or trailer_len > min(_MAX_TRAILER, size - len(MAGIC) - _TAIL):
        raise DamagedIndex(path, "truncated or overwritten (bad trailer)")
    payload_bytes = size - _TAIL - trailer_len
    handle.seek(payload_bytes)
    trailer = _trailer(path, handle.read(trailer_len))
    if trailer.get("format") != FORMAT or trailer.get("kind") != kind:
        raise DamagedIndex(path, f"holds {trailer.get('kind')!r} format {trailer.get('format')!r}, not {kind!r} format {FORMAT}")
    if trailer.get("payload_bytes") != payload_bytes:
        raise DamagedIndex(path, "its length disagrees with its trailer")
    handle.seek(0)
    digest, left = hashlib.sha256(), payload_bytes
    while left:
        block = handle.read(min(_READ_BLOCK, left))
        if not block:
            raise DamagedIndex(path, "ends early")
        digest.update(block)
        left -= len(block)
    if digest.hexdigest() != trailer.get("sha256"):
        raise DamagedIndex(path, "checksum mismatch")
    return IndexFile(path, trailer["meta"], _sections(path, trailer.get("sections"), payload_bytes))


def _trailer(path: Path, raw: bytes) -> dict[str, Any]:
    """The trailer as a JSON object whose metadata is an object too."""
    try:
        trailer = json.loads(raw)
    except (UnicodeDecodeError, ValueError):
        raise DamagedIndex(path, "unreadable trailer") from None
    if not isinstance(trailer, dict) or not isinstance(trailer.get("meta"), dict):
        raise DamagedIndex(path, "trailer is not an index description")
    return trailer


def _sections(path: Path, layout: Any, payload_bytes: int) -> dict[str, tuple[int, int]]:
    """Section offsets and sizes, each inside the checked payload."""
    if not isinstance(layout, dict):
        raise DamagedIndex(path, "trailer lists no sections")
    sections = {}
    for name, span in layout.items():
        if not (isinstance(span, list) and len(span) == 2 and all(type(v) is int and v >= 0 for v in span)
                and len(MAGIC) <= span[0] and span[0] + span[1] <= payload_bytes):
            raise DamagedIndex(path, f"section {name!r} lies outside the file")
        sections[name] = (span[0], span[1])
    return sections


def release_pages(*mapped: np.ndarray) -> None:
    """Let this process's pages of arrays mapped from a file go (they stay in the page cache, so reading them again
    is cheap): a file read through once, to check or copy it, then costs no resident memory."""
    for values in mapped:
        owner = values.base
        while owner is not None and not isinstance(owner, mmap.mmap):
            owner = owner.obj if isinstance(owner, memoryview) else getattr(owner, "base", None)
        if owner is not None and len(owner):
            owner.madvise(mmap.MADV_DONTNEED)


def set_aside(error: DamagedIndex) -> Path:
    """Rename a damaged index file out of the way (keeping the latest one for a post-mortem) and say so."""
    aside = error.path.with_name(error.path.name + ".damaged")
    try:
        os.replace(error.path, aside)
    except FileNotFoundError:
        pass
    log.warning("index file %s cannot be used: %s; set aside as %s, rebuilding it from the database",
                error.path, error.reason, aside.name)
    return aside


def remove_leftovers(folder: Path, legacy: tuple[str, ...]) -> None:
    """Delete temporary files of a save that was killed (another process's: this one may be saving), and index
    files of an older format (rebuilt instead)."""
    own = f".{os.getpid()}{TMP_SUFFIX}"
    for path in folder.glob(f".*{TMP_SUFFIX}"):
        if path.name.endswith(own):
            continue
        log.info("removing %s, left by an index save that did not finish", path)
        path.unlink(missing_ok=True)
    for name in legacy:
        if (folder / name).exists():
            log.warning("removing %s, an index file of an older format; rebuilding it from the database", folder / name)
            (folder / name).unlink(missing_ok=True)


def _sync_folder(folder: Path) -> None:
    """Make a rename in `folder` durable."""
    handle = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(handle)
    finally:
        os.close(handle)
