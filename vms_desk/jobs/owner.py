"""Who runs a job: an owner id naming this process, and whether such a process is still alive.

A job's lease (renewed by a heartbeat) is the only proof of life another machine can check; on this
machine a killed process is seen at once, so its jobs become `interrupted` at the next start instead
of after the lease runs out. The id is `machine:pid:started:nonce`:

- `machine` is the host name (plus, on Linux, the PID namespace: a container sharing the store is
  another machine, since its PIDs mean nothing here);
- `started` tells a process from a later one that got the same PID (Linux: boot id + start tick;
  Windows: creation time); empty where it cannot be known, and then the PID alone decides;
- `nonce` tells two engines in one process apart.
"""

from __future__ import annotations

import os
import socket
import sys
import uuid
from functools import lru_cache
from pathlib import Path

SEPARATOR = ":"


@lru_cache(maxsize=1)
def machine() -> str:
    """This machine as owner ids name it (no separator inside)."""
    name = socket.gethostname().replace(SEPARATOR, "_")
    if sys.platform.startswith("linux"):
        try:
            namespace = os.readlink("/proc/self/ns/pid")  # e.g. "pid:[4026531836]"
        except OSError:
            namespace = ""
        digits = "".join(c for c in namespace if c.isdigit())
        if digits:
            name = f"{name}/{digits}"
    return name


def new_owner() -> str:
    """A fresh owner id for an engine in this process."""
    pid = os.getpid()
    started = process_started(pid) or ""
    return SEPARATOR.join((machine(), str(pid), started, uuid.uuid4().hex[:8]))


def owner_alive(owner: str) -> bool | None:
    """True/False when `owner` names a process on this machine that is alive/gone; None when this
    machine cannot tell (another machine, or an id not in this form): then only its lease counts."""
    parts = owner.rsplit(SEPARATOR, 3)
    if len(parts) == 3:  # the earlier form, machine:pid:nonce (no start time)
        parts = [parts[0], parts[1], "", parts[2]]
    if len(parts) != 4:
        return None
    host, pid_text, started, _ = parts
    if host != machine() or not pid_text.isdigit():
        return None
    pid = int(pid_text)
    if pid == os.getpid():
        return True
    if not _exists(pid):
        return False
    # A different start time means the PID was reused by a later process: the owner is gone.
    return not started or process_started(pid) in (started, None)


# --- platform details ---------------------------------------------------------------------------------
def process_started(pid: int) -> str | None:
    """A text that differs between two processes that had the same PID, or None when unknown."""
    if sys.platform.startswith("linux"):
        return _linux_started(pid)
    if sys.platform == "win32":
        return _windows_started(pid)
    return None


def _exists(pid: int) -> bool:
    if sys.platform == "win32":
        return _windows_alive(pid)
    if sys.platform.startswith("linux"):
        state = _linux_stat(pid)
        if state is not None:
            # A zombie has exited; only its parent has not collected its status yet.
            return state[0] not in ("Z", "X")
    try:
        os.kill(pid, 0)  # signal 0: an existence check only
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # it exists, under another user
    except OSError:
        return False
    return True


def _linux_stat(pid: int) -> list[str] | None:
    """The fields of /proc/PID/stat after the command name (state first), or None."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text(encoding="ascii", errors="replace")
    except OSError:
        return None
    # The command name (field 2) may hold spaces and parentheses: split after its last ')'.
    return text.rpartition(")")[2].split()


@lru_cache(maxsize=1)
def _boot_id() -> str:
    try:
        return Path("/proc/sys/kernel/random/boot_id").read_text(encoding="ascii").strip()[:8]
    except OSError:
        return ""


def _linux_started(pid: int) -> str | None:
    fields = _linux_stat(pid)
    if fields is None or len(fields) < 20:
        return None
    return f"{_boot_id()}-{fields[19]}"  # field 22 of stat: start time in clock ticks since boot


if sys.platform == "win32":
    import ctypes
    from ctypes import wintypes

    _kernel32 = ctypes.WinDLL("kernel32", use_last_error=True)
    _kernel32.OpenProcess.argtypes = (wintypes.DWORD, wintypes.BOOL, wintypes.DWORD)
    _kernel32.OpenProcess.restype = wintypes.HANDLE
    _kernel32.GetExitCodeProcess.argtypes = (wintypes.HANDLE, ctypes.POINTER(wintypes.DWORD))
    _kernel32.GetProcessTimes.argtypes = (wintypes.HANDLE, *(ctypes.POINTER(wintypes.FILETIME),) * 4)
    _kernel32.CloseHandle.argtypes = (wintypes.HANDLE,)
    _QUERY_LIMITED = 0x1000  # PROCESS_QUERY_LIMITED_INFORMATION: allowed on other users' processes
    _STILL_ACTIVE = 259
    _ACCESS_DENIED = 5

    def _windows_alive(pid: int) -> bool:
        handle = _kernel32.OpenProcess(_QUERY_LIMITED, False, pid)
        if not handle:
            return ctypes.get_last_error() == _ACCESS_DENIED  # it exists, we may not look
        try:
            code = wintypes.DWORD()
            if not _kernel32.GetExitCodeProcess(handle, ctypes.byref(code)):
                return True
            return code.value == _STILL_ACTIVE
        finally:
            _kernel32.CloseHandle(handle)

    def _windows_started(pid: int) -> str | None:
        handle = _kernel32.OpenProcess(_QUERY_LIMITED, False, pid)
        if not handle:
            return None
        try:
            times = [wintypes.FILETIME() for _ in range(4)]
            if not _kernel32.GetProcessTimes(handle, *(ctypes.byref(t) for t in times)):
                return None
            created = times[0]
            return str((created.dwHighDateTime << 32) | created.dwLowDateTime)
        finally:
            _kernel32.CloseHandle(handle)

else:

    def _windows_alive(pid: int) -> bool:
        raise NotImplementedError("Windows only")

    def _windows_started(pid: int) -> str | None:
        raise NotImplementedError("Windows only")
