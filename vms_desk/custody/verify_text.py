"""VERIFY.txt and SHA256SUMS.txt: how to check a bundle with vms_desk, and with no vms_desk at all."""

from __future__ import annotations


def sha256sums(hashes: dict[str, tuple[int, str]]) -> str:
    """`sha256sum -c` input: one `<hash>  <path>` line per file."""
    return "".join(f"{digest}  {path}\n" for path, (_, digest) in sorted(hashes.items()))


def verify_text(case: str) -> str:
    """The plain-text instructions placed at the top of every bundle."""
    return f"""How to check this bundle (case {case})
==========================================

Every file in this folder is listed, with its size and SHA-256, in bundle-manifest.json.
The same hashes are in SHA256SUMS.txt. A file whose SHA-256 differs has been changed.

With vms_desk:
    vms-desk verify THIS-FOLDER
  exits 0 when every file matches, 1 naming each file that differs, is missing or was added.

Without vms_desk:
  Linux:    sha256sum -c SHA256SUMS.txt          (run inside this folder)
  macOS:    shasum -a 256 -c SHA256SUMS.txt
  Windows:  certutil -hashfile FILE SHA256       (command prompt, one file at a time)
            Get-FileHash FILE -Algorithm SHA256  (PowerShell; it prints capital letters)
  Compare each result with the line for that file in SHA256SUMS.txt.

The SHA-256 of bundle-manifest.json itself is recorded in the audit log of the workstation that made
the bundle (action "bundle"), and in the chain-of-custody report made after it.

Masters are the vendor's files, unchanged. Working copies (in each exhibit's working/ folder) are
MP4 files made from a master; their working/manifest.json names the master's SHA-256, the operation
(remux or transcode) and the program and library versions that made them.
"""
