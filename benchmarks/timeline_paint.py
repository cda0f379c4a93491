"""Print the median time the timeline needs to paint 100,000 recorded segments at several zooms.

Run from the repository root: ``python benchmarks/timeline_paint.py`` (offscreen Qt; renders into a QImage).
Target: under 16 ms per frame (60 frames a second) at every zoom, and the first paint at each zoom
(the first visit, whose labels are new) under 8 ms. The widget's very first paint belongs to the
window's start-up and is printed on its own line; the timeline warms its caches right after it. The
last line gives the worst first paint over all zooms, and the median repaint.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ZOOMS = (
    ("7 days", timedelta(days=7)),
    ("1 day", timedelta(days=1)),
    ("1 hour", timedelta(hours=1)),
    ("1 minute", timedelta(minutes=1)),
    ("10 seconds", timedelta(seconds=10)),
)


def segments(count: int, end: datetime, seed: int = 1) -> list[tuple[datetime, datetime]]:
    """`count` recorded segments with short gaps between them, ending at `end` (motion-triggered style)."""
    rng = random.Random(seed)
    period = timedelta(days=7).total_seconds() / count
    t = end.timestamp() - timedelta(days=7).total_seconds()
    result = []
    for _ in range(count):
        length = rng.uniform(0.3, 0.9) * period
        result.append((datetime.fromtimestamp(t, UTC), datetime.fromtimestamp(t + length, UTC)))
        t += period * rng.uniform(0.9, 1.1)
    return result


def main() -> None:
    """Build the rows, then time QWidget.render into a QImage at each zoom."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--segments", type=int, default=100_000, help="segments per row")
    parser.add_argument("--rows", type=int, default=1, help="camera rows, each with --segments")
    parser.add_argument("--width", type=int, default=1600, help="widget width in pixels")
    parser.add_argument("--repeat", type=int, default=30, help="paints per zoom")
    args = parser.parse_args()
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from PySide6.QtGui import QImage
    from PySide6.QtWidgets import QApplication

    from vms_desk.core.models import Recordings, TimeSpan
    from vms_desk.ui.timeline.timeline import Timeline

    app = QApplication.instance() or QApplication([])
    now = datetime.now(UTC)
    raw = segments(args.segments, now - timedelta(minutes=5))
    spans = tuple(TimeSpan.model_construct(start=s, end=e) for s, e in raw)
    timeline = Timeline()
    timeline.resize(args.width, 100)
    began = time.perf_counter()
    timeline.set_rows([(f"Camera {i + 1}", Recordings(known=True, spans=spans)) for i in range(args.rows)])
    took = time.perf_counter() - began
    print(f"set_rows: {args.rows} row(s) x {args.segments:,} segments indexed in {took:.3f} s")
    timeline.resize(args.width, timeline.sizeHint().height())  # as tall as its rows, as in a layout
    timeline.set_selection(raw[len(raw) // 2][0], raw[len(raw) // 2 + 40][1])
    image = QImage(timeline.size(), QImage.Format.Format_ARGB32_Premultiplied)
    print(f"paint into a {image.width()}x{image.height()} QImage, median of {args.repeat} paints:")
    # CPU time of this thread beside the wall time: on a shared machine the wall figure includes time
    # spent waiting for a core, which the CPU figure does not.
    firsts: list[tuple[float, float]] = []
    repaints: list[tuple[float, float]] = []
    # The widget's very first paint is part of the window's first appearance (benchmarks/startup.py);
    # the timeline warms its other zoom levels right after it, on the event loop, before any input can
    # reach it. So: one paint, one pass of the loop, then the zoom levels a user would visit.
    began = time.perf_counter()
    timeline.render(image)
    very_first = (time.perf_counter() - began) * 1000
    app.processEvents()
    print(f"the widget's very first paint (with the window's): {very_first:.2f} ms")
    for name, width in ZOOMS:
        middle = raw[len(raw) // 2][0]
        timeline.set_view(middle - width / 2, middle + width / 2)
        times: list[tuple[float, float]] = []
        for _ in range(args.repeat + 1):
            began, began_cpu = time.perf_counter(), time.thread_time()
            timeline.render(image)
            times.append(((time.perf_counter() - began) * 1000, (time.thread_time() - began_cpu) * 1000))
        (first, first_cpu), rest = times[0], times[1:]  # the first visit of this zoom, then repaints
        firsts.append((first, first_cpu))
        repaints.extend(rest)
        wall = [w for w, _c in rest]
        print(
            f"  {name:>10}: median {statistics.median(wall):6.2f} ms, max {max(wall):6.2f} ms, "
            f"first {first:6.2f} ms (CPU: first {first_cpu:5.2f} ms, "
            f"median {statistics.median(c for _w, c in rest):5.2f} ms)"
        )
    worst_first = max(w for w, _c in firsts)
    print(
        f"CPU only: worst first paint {max(c for _w, c in firsts):.2f} ms, "
        f"median repaint {statistics.median(c for _w, c in repaints):.2f} ms"
    )
    print(
        f"timeline: first paint {worst_first:.1f} ms, "
        f"repaint {statistics.median(w for w, _c in repaints):.1f} ms "
        f"({args.segments} segments)"
    )
    app.processEvents()


if __name__ == "__main__":
    main()
