"""Give freed heap memory back to the operating system, so a process's memory is what it holds.

Building a large matrix from many temporary blocks leaves the freed blocks and
temporaries as holes in glibc's heap: the process keeps those pages (they count
in its resident memory) although nothing uses them. At 134,000 training notes
that was about 500 MB on top of a 543 MB feature matrix. ``malloc_trim(0)``
returns them; where the C library has no such call (macOS, musl) this is a no-op.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
from typing import Any


@functools.cache
def _libc() -> Any | None:
    try:
        library = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        return library if hasattr(library, "malloc_trim") else None
    except OSError:
        return None


def release_freed_memory() -> None:
    """Return the heap's free pages to the operating system (glibc ``malloc_trim``)."""
    library = _libc()
    if library is not None:
        library.malloc_trim(0)
