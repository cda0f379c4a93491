"""SHA-256 of files on disk, read in blocks (never whole into memory)."""

from __future__ import annotations

import hashlib
from pathlib import Path

BLOCK = 1024 * 1024


def sha256_file(path: Path, *, block: int = BLOCK) -> tuple[int, str]:
    """(size, SHA-256 hex) of the file; blocking: run it in a thread from async code."""
    digest = hashlib.sha256()
    size = 0
    with path.open("rb") as handle:
        while chunk := handle.read(block):
            digest.update(chunk)
            size += len(chunk)
    return size, digest.hexdigest()
