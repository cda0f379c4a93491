"""Hostile server and user names become plain, safe, unique local names."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from vms_desk.evidence.naming import (
    MAX_NAME,
    case_folder_name,
    evidence_folder_name,
    safe_name,
    unique_name,
)


@pytest.mark.parametrize(
    ("hostile", "expected"),
    [
        ("../../etc/passwd", "passwd"),
        ("/etc/passwd", "passwd"),
        ("..\\..\\Windows\\system.ini", "system.ini"),
        ("C:\\x", "x"),
        ("C:x.mkv", "x.mkv"),
        ("..", "file"),
        (".hidden.mkv", "hidden.mkv"),
        ("...", "file"),
        ("", "file"),
        ("CON", "_CON"),
        ("con", "_con"),
        ("NUL.txt", "_NUL.txt"),
        ("COM1.tar.gz", "_COM1.tar.gz"),
        ("LPT9", "_LPT9"),
        ("CONSOLE.mkv", "CONSOLE.mkv"),
        ("clip.mkv. . ", "clip.mkv"),
        ("a\x00b\x1fc\x7f.mp4", "a_b_c_.mp4"),
        ("line\nbreak.avi", "line_break.avi"),
        ('what?<>|*".mkv', "what______.mkv"),
        ("evil\u202egnp.exe", "evil_gnp.exe"),
        (
            "Server1_DeviceIpint.10[20190903T050000-20190903T050100].mp4",
            "Server1_DeviceIpint.10[20190903T050000-20190903T050100].mp4",
        ),
    ],
)
def test_hostile_names(hostile: str, expected: str) -> None:
    assert safe_name(hostile) == expected


def test_safe_names_stay_inside_the_folder(tmp_path: Path) -> None:
    for hostile in ["../x", "/abs/y", "C:\\z", "a/../../b", "\\\\server\\share\\c"]:
        target = (tmp_path / safe_name(hostile)).resolve()
        assert target.parent == tmp_path.resolve()


def test_long_names_keep_their_extension() -> None:
    name = safe_name("x" * 300 + ".mkv")
    assert len(name) == MAX_NAME
    assert name.endswith(".mkv")
    assert safe_name("y" * 300) == "y" * MAX_NAME


def test_unique_names_ignore_case() -> None:
    taken = ["clip.mkv", "CLIP (2).mkv", "manifest.json"]
    assert unique_name("Clip.mkv", taken) == "Clip (3).mkv"
    assert unique_name("manifest.json", taken) == "manifest (2).json"
    assert unique_name("other.mkv", taken) == "other.mkv"


def test_folder_names() -> None:
    start = datetime(2026, 11, 20, 13, 5, 7, 123456, tzinfo=UTC)
    assert (
        evidence_folder_name(start, "Cash Desk/1", "0123456789abcdef")
        == "20261120T130507Z_Cash Desk_1_01234567"
    )
    assert case_folder_name(None) == "no-case"
    assert case_folder_name("  ") == "no-case"
    assert case_folder_name("../2026/17") == "_2026_17"
    assert case_folder_name("..") == "no-case"
    assert case_folder_name("Case 2026-17") == "Case 2026-17"
