"""Safe local names for files and folders whose names come from servers or users (untrusted).

A name from a server may carry path parts (`../`, `/etc/passwd`, `C:\\x`), control characters or
names Windows reserves; every name that becomes a local path goes through `safe_name` first.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from datetime import datetime

from vms_desk.core.times import ensure_utc

MAX_NAME = 120
MAX_EXTENSION = 16
_FORBIDDEN = re.compile(r'[<>:"/\\|?*\x00-\x1f\x7f]')
_RESERVED = frozenset(
    {"CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$"}
    | {f"{base}{n}" for base in ("COM", "LPT") for n in (*"123456789", "¹", "²", "³")}
)


def _last_part(name: str) -> str:
    """The last path component under both Windows and POSIX rules, without a drive letter."""
    text = name.replace("\\", "/").rsplit("/", 1)[-1]
    return re.sub(r"^[A-Za-z]:", "", text)


def _split_extension(name: str) -> tuple[str, str]:
    stem, dot, ext = name.rpartition(".")
    if not dot or not stem or len(ext) > MAX_EXTENSION or not ext:
        return name, ""
    return stem, "." + ext


def safe_name(name: str, fallback: str = "file", *, limit: int = MAX_NAME, flatten: bool = False) -> str:
    """A plain file name safe on Windows and POSIX: no path parts, control or reserved characters,
    no reserved device names, no leading or trailing dots, at most `limit` characters (extension kept).

    A server's file name keeps only its last path part; with `flatten` (display names such as a
    camera or case name) separators become `_` instead, so "Cash Desk/1" stays readable.
    """
    text = unicodedata.normalize("NFC", name if flatten else _last_part(name))
    text = _FORBIDDEN.sub("_", text)
    # Other invisible or format characters (e.g. right-to-left overrides) would disguise the extension.
    text = "".join("_" if unicodedata.category(c) in ("Cc", "Cf", "Zl", "Zp") else c for c in text)
    # Leading dots would hide the file on POSIX; trailing dots and spaces vanish on Windows.
    text = text.strip().lstrip(".").strip().rstrip(". ")
    if not text.strip("._ ") or text in (".", ".."):
        text = fallback
    stem, ext = _split_extension(text)
    if stem.split(".")[0].strip().upper() in _RESERVED:
        stem = "_" + stem
    if len(stem) + len(ext) > limit:
        stem = stem[: max(1, limit - len(ext))].rstrip(". ")
    result = (stem or fallback) + ext
    return result.rstrip(". ") or fallback


def unique_name(name: str, taken: Iterable[str]) -> str:
    """`name`, or `name (2).ext`, `name (3).ext`... so it differs from every taken name (ignoring case)."""
    used = {t.casefold() for t in taken}
    if name.casefold() not in used:
        return name
    stem, ext = _split_extension(name)
    number = 2
    while True:
        suffix = f" ({number})"
        candidate = stem[: MAX_NAME - len(ext) - len(suffix)] + suffix + ext
        if candidate.casefold() not in used:
            return candidate
        number += 1


def evidence_folder_name(start: datetime, camera_name: str, job_id: str) -> str:
    """`<UTC start YYYYMMDDTHHMMSSZ>_<camera name>_<job id short>` for one job's evidence folder."""
    stamp = ensure_utc(start, "start").strftime("%Y%m%dT%H%M%SZ")
    camera = safe_name(camera_name, "camera", limit=60, flatten=True)
    return f"{stamp}_{camera}_{job_id[:8]}"


def case_folder_name(case: str | None) -> str:
    """The folder for a case: its safe name, or `no-case`."""
    if case is None or not case.strip():
        return "no-case"
    return safe_name(case, "no-case", limit=80, flatten=True)
