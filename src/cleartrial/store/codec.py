"""Compression of stored blobs (trial documents, raw records, quarantined bytes).

Zstandard at level 1: about three times faster than zlib at its fastest on these records,
and smaller; decompression is faster too. Module-level functions create their context per
call, so they are safe from any thread (the web server reads from several).
"""

from __future__ import annotations

import zstandard

LEVEL = 1


def pack(data: bytes) -> bytes:
    return zstandard.compress(data, LEVEL)


def unpack(blob: bytes) -> bytes:
    return zstandard.decompress(blob)
