"""The libVLC the Windows package brings: the official VLC 3 zip, pinned by version and SHA-256.

Only `libvlc.dll`, `libvlccore.dll` and `plugins/` are taken from the zip (the rest is VLC's own player).
The download is cached under build/ and checked against the pin before anything is extracted.
"""

from __future__ import annotations

import hashlib
import shutil
import urllib.request
import zipfile
from pathlib import Path

VLC_VERSION = "3.0.21"
VLC_URL = f"https://get.videolan.org/vlc/{VLC_VERSION}/win64/vlc-{VLC_VERSION}-win64.zip"
# VideoLAN publishes the sum beside the zip (VLC_URL + ".sha256"); bump both together.
VLC_SHA256 = "a0b7ec02b50adf6417eed014fb8df50af39690505a4225b85b3dc2ed17d14843"
WANTED = ("libvlc.dll", "libvlccore.dll")
CHUNK = 1 << 20


class VlcPinError(RuntimeError):
    """The VLC zip is missing, unpinned or not the pinned file."""


def sha256_of(path: Path) -> str:
    """The file's SHA-256 (hex)."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while block := handle.read(CHUNK):
            digest.update(block)
    return digest.hexdigest()


def fetch(cache: Path, *, url: str = VLC_URL, sha256: str = VLC_SHA256) -> Path:
    """The pinned zip in `cache`, downloaded once; VlcPinError when the pin is empty or differs."""
    if len(sha256) != 64:
        raise VlcPinError("The VLC zip has no SHA-256 pin: set VLC_SHA256 in packaging/libvlc.py.")
    cache.mkdir(parents=True, exist_ok=True)
    target = cache / url.rsplit("/", 1)[-1]
    if not target.exists():
        print(f"build: downloading {url}", flush=True)
        partial = target.with_suffix(".part")
        # get.videolan.org redirects to a mirror; the pinned hash makes the mirror irrelevant.
        with urllib.request.urlopen(url, timeout=120) as reply, partial.open("wb") as out:  # noqa: S310
            shutil.copyfileobj(reply, out, CHUNK)
        partial.replace(target)
    actual = sha256_of(target)
    if actual != sha256:
        target.unlink()
        raise VlcPinError(
            f"{target.name} has SHA-256 {actual}, not the pinned {sha256}; the download was removed."
        )
    return target


def extract(archive: Path, into: Path) -> Path:
    """Unpack the two libraries and plugins/ from the zip into `into` (replaced); returns `into`."""
    if into.exists():
        shutil.rmtree(into)
    into.mkdir(parents=True)
    with zipfile.ZipFile(archive) as zipped:
        for info in zipped.infolist():
            # Entries are `vlc-3.0.x/<path>`: drop the top folder, keep what the player needs.
            parts = Path(info.filename).parts[1:]
            if info.is_dir() or not parts or ".." in parts:
                continue
            if parts[0] == "plugins" or (len(parts) == 1 and parts[0] in WANTED):
                target = into.joinpath(*parts)
                target.parent.mkdir(parents=True, exist_ok=True)
                with zipped.open(info) as source, target.open("wb") as out:
                    shutil.copyfileobj(source, out, CHUNK)
    missing = [name for name in (*WANTED, "plugins") if not (into / name).exists()]
    if missing:
        raise VlcPinError(f"{archive.name} lacks {', '.join(missing)}: it is not a VLC 3 win64 zip.")
    return into


def prepare(build_dir: Path) -> Path:
    """Fetch, check and unpack the pinned libVLC; the folder the spec bundles as `vlc/`."""
    return extract(fetch(build_dir / "downloads"), build_dir / f"vlc-{VLC_VERSION}")
