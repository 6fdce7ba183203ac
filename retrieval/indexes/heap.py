"""Hand memory the C allocator holds free back to the system.

glibc keeps freed blocks in its arenas rather than returning them, so a long ingest that saves its indexes now and
then (building and dropping their arrays each time) would otherwise keep the high-water mark of every save resident.
"""

from __future__ import annotations

import ctypes
import ctypes.util
from functools import cache


@cache
def _malloc_trim():
    """glibc's `malloc_trim`, or None under another C library (musl, macOS), which has nothing to trim."""
    name = ctypes.util.find_library("c")
    function = getattr(ctypes.CDLL(name), "malloc_trim", None) if name else None
    if function is not None:
        function.argtypes, function.restype = [ctypes.c_size_t], ctypes.c_int
    return function


def release_free_memory() -> None:
    """Return the allocator's free memory to the system (a few milliseconds; call after a large structure is
    dropped, not per request)."""
    trim = _malloc_trim()
    if trim is not None:
        trim(0)
