"""Print the seconds the simulators need to render 10 s and 60 s clips in each container.

Run from the repository root: ``python benchmarks/media_speed.py``; ``--one-core`` pins the process to
one CPU (Linux) to check the "well under a second on one core" budget.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Literal

CONTAINERS: tuple[Literal["mp4", "mkv", "avi"], ...] = ("mp4", "mkv", "avi")


def main() -> None:
    """Time uncached renders of 10 s and 60 s clips for mp4, mkv and avi."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--one-core", action="store_true", help="pin the process to one CPU (Linux only)")
    args = parser.parse_args()
    if args.one_core and hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
    # The script is run by path, so the repository root is not on sys.path by itself.
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from vms_desk.sim.media import clear_cache, render_video_bytes

    start = datetime(2026, 11, 20, 13, 0, 0, tzinfo=UTC)
    for seconds in (10, 60):
        for container in CONTAINERS:
            clear_cache()
            began = time.perf_counter()
            data = render_video_bytes(
                camera_name="Benchmark camera",
                start=start,
                end=start + timedelta(seconds=seconds),
                container=container,
            )
            elapsed = time.perf_counter() - began
            print(f"{seconds:>3d} s {container:<4s} {elapsed:6.3f} s  {len(data) / 1024:8.1f} KiB")


if __name__ == "__main__":
    main()
