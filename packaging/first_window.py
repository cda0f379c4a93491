"""Time from starting a program to its first visible top-level window (the frozen cold start).

X11: polls `xdotool search` for a visible window of the process whose title starts with `vms_desk `.
Windows: enumerates the visible top-level windows of the started process.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable, Sequence

POLL_S = 0.05
TITLE_PREFIX = "vms_desk "


def _x11_probe(process: subprocess.Popen[bytes]) -> Callable[[], bool]:
    def visible() -> bool:
        # --all: the window must be visible, ours (Qt sets _NET_WM_PID) and the main window.
        command = ["xdotool", "search", "--all", "--onlyvisible", "--pid", str(process.pid)]
        found = subprocess.run(  # noqa: S603
            [*command, "--name", f"^{TITLE_PREFIX}"], capture_output=True, check=False
        )
        return found.returncode == 0 and bool(found.stdout.strip())

    return visible


def _windows_probe(process: subprocess.Popen[bytes]) -> Callable[[], bool]:
    import ctypes
    from ctypes import wintypes

    user32 = ctypes.WinDLL("user32", use_last_error=True)  # type: ignore[attr-defined,unused-ignore]
    callback_type = ctypes.WINFUNCTYPE(  # type: ignore[attr-defined,unused-ignore]
        wintypes.BOOL, wintypes.HWND, wintypes.LPARAM
    )
    # Declared so that window handles pass as pointers, not as C ints that a large handle overflows.
    user32.EnumWindows.argtypes = (callback_type, wintypes.LPARAM)
    user32.GetWindowThreadProcessId.argtypes = (wintypes.HWND, ctypes.POINTER(wintypes.DWORD))
    user32.IsWindowVisible.argtypes = (wintypes.HWND,)
    user32.GetWindowTextW.argtypes = (wintypes.HWND, wintypes.LPWSTR, ctypes.c_int)

    def visible() -> bool:
        hits: list[int] = []

        def check(hwnd: int, _: int) -> bool:
            pid = wintypes.DWORD()
            user32.GetWindowThreadProcessId(hwnd, ctypes.byref(pid))
            if pid.value == process.pid and user32.IsWindowVisible(hwnd):
                title = ctypes.create_unicode_buffer(256)
                user32.GetWindowTextW(hwnd, title, 256)
                if title.value.startswith(TITLE_PREFIX):
                    hits.append(hwnd)
            return True

        user32.EnumWindows(callback_type(check), 0)
        return bool(hits)

    return visible


def time_to_first_window(
    command: Sequence[str], env: dict[str, str], timeout: float = 120.0
) -> tuple[float, subprocess.Popen[bytes]]:
    """Start `command`, wait for its main window; (seconds, the still running process)."""
    started = time.perf_counter()
    process = subprocess.Popen(  # noqa: S603 - our own frozen program
        list(command), env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    visible = _windows_probe(process) if sys.platform == "win32" else _x11_probe(process)
    while time.perf_counter() - started < timeout:
        if visible():
            return time.perf_counter() - started, process
        if process.poll() is not None:
            stderr = process.stderr.read().decode(errors="replace") if process.stderr else ""
            raise RuntimeError(f"{command[0]} exited with {process.returncode} before a window: {stderr}")
        time.sleep(POLL_S)
    process.kill()
    raise RuntimeError(f"{command[0]} showed no window within {timeout:.0f} s")


def close(process: subprocess.Popen[bytes], timeout: float = 30.0) -> int:
    """Ask the app to close as a user would (SIGTERM closes the window on POSIX); its exit status."""
    if sys.platform == "win32":
        process.kill()  # no polite signal for a windowed process; nothing is running in it yet
    else:
        process.terminate()
    try:
        return process.wait(timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        return process.wait()


if __name__ == "__main__":
    seconds, running = time_to_first_window(sys.argv[1:], dict(os.environ))
    print(f"first window after {seconds:.2f} s (exit {close(running)})")
