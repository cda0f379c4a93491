"""Reading the video inside a master: the file itself, or the video member of an encrypted ZIP (Axis).

A ZIP member is extracted, streamed, into a hidden temporary file beside the working copy and removed
afterwards; the ZIP itself is never changed. Without its password an encrypted ZIP cannot be read,
and the user is told how to give it.
"""

from __future__ import annotations

import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pyzipper

from vms_desk.core.errors import InputError, VmsDeskError

BLOCK = 1024 * 1024
VIDEO_SUFFIXES = (".mkv", ".mp4", ".avi", ".mov")


@contextmanager
def open_member(master: Path, sha256: str, password: str | None, scratch: Path) -> Iterator[tuple[Path, str]]:
    """(a readable video file, its label) for `master`; a ZIP's video member is extracted to `scratch`."""
    if master.suffix.lower() != ".zip":
        yield master, master.name
        return
    del sha256  # the ZIP was hash-checked against its manifest before this point
    try:
        archive = pyzipper.AESZipFile(master)
    except (OSError, zipfile.BadZipFile) as exc:
        raise VmsDeskError(f"The master {master.name} is not a readable ZIP archive ({exc}).") from exc
    with archive:
        members = [i for i in archive.infolist() if i.filename.lower().endswith(VIDEO_SUFFIXES)]
        if not members:
            raise VmsDeskError(f"The ZIP master {master.name} holds no video file.")
        member = members[0]
        encrypted = bool(member.flag_bits & 0x1)
        if encrypted and not password:
            raise InputError(
                f"The master {master.name} is an encrypted ZIP: give its password in an environment "
                "variable with --password-env VAR."
            )
        if password:
            archive.setpassword(password.encode("utf-8"))
        label = f"{master.name}!{Path(member.filename).name}"
        target = scratch / f".extract-{Path(member.filename).name}.part"
        try:
            with archive.open(member) as reader, target.open("wb") as writer:
                while chunk := reader.read(BLOCK):
                    writer.write(chunk)
        except RuntimeError as exc:  # pyzipper's wrong-password error
            target.unlink(missing_ok=True)
            raise InputError(
                f"The password for the encrypted ZIP {master.name} is wrong: no working copy was made."
            ) from exc
        except (OSError, zipfile.BadZipFile) as exc:
            target.unlink(missing_ok=True)
            raise VmsDeskError(f"The video in {master.name} could not be read ({exc}).") from exc
        try:
            yield target, label
        finally:
            target.unlink(missing_ok=True)
