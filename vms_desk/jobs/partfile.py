"""The part file's writes: the aligned middle of each buffer through O_DIRECT where the OS has it.

Where the OS has O_DIRECT (Linux), the aligned bulk of each buffer is written with it: the bytes go
from the buffer to the disk without a copy into the page cache, which the fsync before the rename
would have to flush anyway. On the 2-core VM of the benchmark that copy cost 0.5-2.5 s of CPU per GiB
(guest pages touched for the first time). The verification that follows reads large files back with
O_DIRECT too (evidence.hashing), so it checks what the disk holds and neither step pays for a page
cache fill. Unaligned edges (the end of the file, a resume from an odd size) go through the page
cache; file systems that refuse O_DIRECT, and other OSes, get ordinary writes with early writeback,
so that the fsyncs (jobs.durable's checkpoints, the one before the rename) find little left to do.
"""

from __future__ import annotations

import contextlib
import errno
import os
import sys
from pathlib import Path

ALIGN = 4096  # O_DIRECT wants offsets, lengths and addresses in multiples of the block size
WRITEBACK_BYTES = 64 * 1024 * 1024  # ordinary writes: start writing back every this many bytes
# Ordinary writes go in small slices (curl writes 4-16 KiB at a time): on the benchmark VM, 8 MiB write()
# calls cost 1-3 s of CPU per GiB in the kernel against 0.4-1.2 s for 64 KiB ones.
PLAIN_SLICE = 64 * 1024
DIRECT_IO = sys.platform.startswith("linux") and hasattr(os, "O_DIRECT")


class PartFile:
    """Positional writes to the part file, the aligned middle of each through O_DIRECT if possible."""

    def __init__(self, path: Path, *, append: bool) -> None:
        flags = os.O_WRONLY | os.O_CREAT | getattr(os, "O_BINARY", 0) | (0 if append else os.O_TRUNC)
        self.fd = os.open(path, flags, 0o666)
        self.position = os.lseek(self.fd, 0, os.SEEK_END)
        self.direct: int | None = None
        if DIRECT_IO and sys.platform != "win32":
            try:
                self.direct = os.open(path, os.O_WRONLY | os.O_DIRECT)
            except OSError:  # the file system has no O_DIRECT (tmpfs on older kernels, some mounts)
                self.direct = None
        self.written_back = self.position

    def write(self, data: memoryview, offset: int) -> None:
        """Write `data` at `offset` (the end of what is written so far)."""
        # Buffers are filled so that memory and file agree modulo ALIGN: the aligned middle of any
        # buffer sits at an aligned address and an aligned file offset.
        if self.direct is None:
            self._plain(data, offset)
            self._write_back(offset + len(data))
            return
        head = min(len(data), -offset % ALIGN)
        middle = head + (len(data) - head) // ALIGN * ALIGN
        self._plain(data[:head], offset)
        if middle > head:
            self._direct(data[head:middle], offset + head)
        self._plain(data[middle:], offset + middle)

    def _plain(self, data: memoryview, offset: int) -> None:
        if self.position != offset:
            os.lseek(self.fd, offset, os.SEEK_SET)
        while data:
            count = os.write(self.fd, data[:PLAIN_SLICE])
            data = data[count:]
            offset += count
        self.position = offset

    def _direct(self, data: memoryview, offset: int) -> None:
        if sys.platform == "win32":  # only reached with O_DIRECT (Linux); this tells mypy
            raise AssertionError("O_DIRECT write on Windows")
        assert self.direct is not None
        done = 0
        try:
            while done < len(data):
                done += os.pwrite(self.direct, data[done:], offset + done)
        except OSError as exc:
            if exc.errno != errno.EINVAL:
                raise
            # This file system takes no O_DIRECT after all: ordinary writes from here on.
            os.close(self.direct)
            self.direct = None
        if done < len(data):
            self._plain(data[done:], offset + done)

    def _write_back(self, end: int) -> None:
        # Ask the kernel to start writing back what lies a window behind, so that the fsync before
        # the rename waits for one window, not the whole file. (Advice only: errors do not matter.)
        if sys.platform == "win32" or end - self.written_back < 2 * WRITEBACK_BYTES:
            return
        with contextlib.suppress(OSError):
            os.posix_fadvise(self.fd, self.written_back, WRITEBACK_BYTES, os.POSIX_FADV_DONTNEED)
        self.written_back += WRITEBACK_BYTES

    def sync_data(self) -> None:
        """Flush what is written so far to the disk (the bytes and the size, not the times)."""
        if sys.platform == "win32" or sys.platform == "darwin":
            os.fsync(self.fd)
        else:
            os.fdatasync(self.fd)

    def close(self, *, sync: bool) -> None:
        """Close both descriptors; with `sync`, flush the file to the disk first."""
        try:
            if sync:
                os.fsync(self.fd)
        finally:
            if self.direct is not None:
                os.close(self.direct)
            os.close(self.fd)
