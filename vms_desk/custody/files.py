"""Small file helpers for derived files: atomic JSON, fsync, and a streamed, hashed copy."""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from pathlib import Path
from typing import Any

BLOCK = 1024 * 1024


def fsync_file(path: Path) -> None:
    """Flush a finished file to the disk before it is renamed into place."""
    with path.open("rb+") as handle:
        os.fsync(handle.fileno())


def write_json_atomic(path: Path, data: Any) -> None:
    """Write JSON to `path` through a flushed temp file and a rename: never half a file."""
    text = json.dumps(data, indent=2, ensure_ascii=False) + "\n"
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.stem}-", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def copy_hashed(source: Path, target: Path, expected_sha256: str | None = None) -> tuple[int, str]:
    """Copy block by block, hashing the bytes as they are written; (size, SHA-256).

    Raises ValueError when `expected_sha256` is given and the bytes read differ from it (the source
    changed): the copy is then not evidence, and the caller removes it.
    """
    digest, size = hashlib.sha256(), 0
    with source.open("rb") as reader, target.open("xb") as writer:
        while chunk := reader.read(BLOCK):
            writer.write(chunk)
            digest.update(chunk)
            size += len(chunk)
        writer.flush()
        os.fsync(writer.fileno())
    result = digest.hexdigest()
    if expected_sha256 is not None and result != expected_sha256.lower():
        raise ValueError(f"{source} changed: its SHA-256 is {result}, its manifest says {expected_sha256}")
    return size, result
