"""Compare the jobs layer's downloader (streaming to .part, SHA-256 on the fly) with `curl -o`.

A 1 GiB file is served over loopback by a separate server process (the simulators' Range-aware
`file_response` in a tiny Starlette app), so both clients face the same server and neither shares
its interpreter. Rounds alternate downloader / curl; the figures are medians. The downloader's time
is the product's whole `download_file`: request, SHA-256, writes, the periodic flushes with their
`.durable` records, and the fsync that makes the file durable before it is renamed (curl -o leaves
its bytes in the page cache, so curl is also timed until its file is fsynced, the same durability:
on a slow disk the fsync is most of either time), and until its SHA-256 is computed: the evidence
file and its hash, which is the downloader's whole job. Each round also reports
the CPU time per GiB of the client and of the server process (Linux: /proc), to show where the time
goes on a small machine. The last line is exactly: ``download: R x curl, peak RSS +N MiB`` where R is
the downloader's throughput over curl's and N the growth of this process's peak RSS while downloading.

Run from the repository root: ``python benchmarks/download.py [--size-mib 1024] [--rounds 3]``.
``--dir /dev/shm`` puts the files in memory, which leaves out the disk and compares the two pipelines.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import hashlib
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
BLOCK = 16 * 1024 * 1024


def make_file(path: Path, size: int) -> str:
    """Write `size` bytes (a repeated random block: HTTP sends it as is) and return its SHA-256."""
    block = os.urandom(BLOCK)
    digest = hashlib.sha256()
    with path.open("wb") as handle:
        left = size
        while left > 0:
            piece = block[: min(BLOCK, left)]
            handle.write(piece)
            digest.update(piece)
            left -= len(piece)
    return digest.hexdigest()


def serve(path: Path) -> None:
    """Server mode: serve `path` at /file until killed; prints `listening on URL` first."""
    import threading

    from starlette.requests import Request
    from starlette.responses import Response
    from starlette.routing import BaseRoute, Route

    from vms_desk.sim.base import SimServer, SimState, build_app, file_response

    state = SimState(workdir=path.parent)

    warm = path.with_name("warm.bin")
    warm.write_bytes(os.urandom(1024 * 1024))

    async def download(request: Request) -> Response:
        state.requests.clear()  # the request log would otherwise grow over the rounds
        source = warm if request.url.path == "/warm" else path
        return file_response(
            request, source, media_type="application/octet-stream", filename=None, state=state
        )

    routes: list[BaseRoute] = [Route("/file", download), Route("/warm", download)]
    server = SimServer(build_app(routes, state)).start()
    sys.stdout.write(f"listening on {server.url}\n")
    sys.stdout.flush()
    threading.Event().wait()


def rss_bytes() -> int:
    """This process' resident set size now (Linux /proc; elsewhere the peak so far)."""
    try:
        pages = int(Path("/proc/self/statm").read_text().split()[1])
        return pages * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


class PeakRss:
    """Samples the RSS every few milliseconds in a thread and keeps the highest value."""

    def __init__(self) -> None:
        import threading

        self.peak = rss_bytes()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.wait(0.005):
            self.peak = max(self.peak, rss_bytes())

    def __enter__(self) -> PeakRss:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


async def ours(url: str, target: Path, locator: str = "/file") -> tuple[float, str]:
    """One download with the jobs layer's downloader; returns (seconds, sha256)."""
    import httpx

    from vms_desk.core.protocol import Download, ExportHandle, RemoteFile
    from vms_desk.jobs.download import download_file
    from vms_desk.vendors._http import Funnel
    from vms_desk.vendors.http_client import make_http_client

    class Client:
        """Just enough of a vendor client: the file is the locator on the benchmark server."""

        def __init__(self, http: httpx.AsyncClient) -> None:
            self.funnel = Funnel(http, url, "Benchmark server")

        @asynccontextmanager
        async def open_download(
            self, handle: Any, file: RemoteFile, offset: int = 0
        ) -> AsyncIterator[Download]:
            async with self.funnel.stream("GET", file.locator, offset=offset) as body:
                yield body

    async with make_http_client() as http:
        started = time.perf_counter()
        result = await download_file(
            Client(http),  # type: ignore[arg-type]
            ExportHandle(export_ids=("bench",)),
            RemoteFile(name=target.name, locator=locator),
            target,
        )
        return time.perf_counter() - started, result.sha256


def curl(url: str, target: Path, locator: str = "/file") -> tuple[float, float, float]:
    """One `curl -o` download; returns seconds until curl exits, until its file is on disk, and until
    its SHA-256 is computed.

    The second figure adds an fsync of curl's file: curl leaves its bytes in the page cache, while
    the downloader's time includes the fsync that puts them on the disk before the rename. The third
    adds the SHA-256 an evidence file needs, which the downloader computes while the bytes arrive.
    """
    started = time.perf_counter()
    subprocess.run(["curl", "-sS", "-o", str(target), f"{url}{locator}"], check=True)
    exited = time.perf_counter() - started
    with target.open("rb") as handle:
        os.fsync(handle.fileno())
    on_disk = time.perf_counter() - started
    with target.open("rb") as handle:  # OpenSSL's SHA-256, as the downloader's (coreutils' is slower)
        hashlib.file_digest(handle, "sha256")
    return exited, on_disk, time.perf_counter() - started


def process_cpu(pid: int) -> float | None:
    """CPU seconds (user + system, all threads) another process has used so far (Linux only)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return None


class Cpu:
    """CPU seconds used over a block: by this process or its finished children, and by the server."""

    def __init__(self, server: int, *, children: bool) -> None:
        self.server_pid = server
        self.who = resource.RUSAGE_CHILDREN if children else resource.RUSAGE_SELF
        self.client = 0.0
        self.server: float | None = None

    def _mine(self) -> float:
        usage = resource.getrusage(self.who)
        return usage.ru_utime + usage.ru_stime

    def __enter__(self) -> Cpu:
        self._start = (self._mine(), process_cpu(self.server_pid))
        return self

    def __exit__(self, *exc: object) -> None:
        mine, server = self._mine(), process_cpu(self.server_pid)
        self.client = mine - self._start[0]
        if server is not None and self._start[1] is not None:
            self.server = server - self._start[1]


def per_gib(seconds: float | None, size: int) -> str:
    """CPU seconds per GiB, or '?' where it could not be measured."""
    return "?" if seconds is None else f"{seconds * 2**30 / size:.2f}"


Run = tuple[float, Cpu]  # seconds, CPU used


def alternate(
    url: str, folder: Path, size: int, *, expected: str, rounds: int, server: int
) -> tuple[list[Run], list[Run], list[Run], list[Run], int]:
    """Downloader, then curl, `rounds` times; returns the downloader's runs, curl's (until it exits,
    until its file is fsynced, and until it is hashed) and the downloader's peak RSS."""
    ours_runs: list[Run] = []
    curl_runs: list[Run] = []
    durable_runs: list[Run] = []
    hashed_runs: list[Run] = []
    peak = 0
    for round_number in range(1, rounds + 1):
        target = folder / "ours.bin"
        with PeakRss() as sampler, Cpu(server, children=False) as cpu:
            seconds, digest = asyncio.run(ours(url, target))
        peak = max(peak, sampler.peak)
        if digest != expected:
            raise SystemExit("the downloader's SHA-256 does not match the served file")
        target.unlink()
        ours_runs.append((seconds, cpu))
        other = folder / "curl.bin"
        with Cpu(server, children=True) as cpu:
            seconds, on_disk, hashed = curl(url, other)
        if other.stat().st_size != size:
            raise SystemExit("curl fetched a short file")
        other.unlink()
        curl_runs.append((seconds, cpu))
        durable_runs.append((on_disk, cpu))
        hashed_runs.append((hashed, cpu))
        mine, theirs = describe(ours_runs[-1], size), describe(curl_runs[-1], size)
        disk = f"{size / on_disk / 2**20:.0f} MiB/s to disk"
        print(f"round {round_number}: downloader {mine}, curl {theirs}, {disk}")
    return ours_runs, curl_runs, durable_runs, hashed_runs, peak


def describe(run: Run, size: int) -> str:
    """Throughput and CPU per GiB of one run."""
    seconds, cpu = run
    return (
        f"{size / seconds / 2**20:.0f} MiB/s "
        f"(CPU/GiB: client {per_gib(cpu.client, size)} s, server {per_gib(cpu.server, size)} s)"
    )


def summarise(label: str, runs: list[Run], size: int) -> float:
    """Print the medians of one client's runs; returns its median time."""
    median = statistics.median(s for s, _ in runs)
    client = statistics.median(c.client for _, c in runs)
    servers = [c.server for _, c in runs if c.server is not None]
    server = statistics.median(servers) if servers else None
    print(
        f"{label} median {median:.2f} s = {size / median / 2**20:.0f} MiB/s; CPU per GiB: "
        f"client {per_gib(client, size)} s, server {per_gib(server, size)} s"
    )
    return median


def main() -> None:
    """Alternate rounds, print medians and the summary line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size-mib", type=int, default=1024)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument(
        "--dir", type=Path, default=None, help="where the files go (default: the temp folder), e.g. /dev/shm"
    )
    parser.add_argument("--serve", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    if args.serve:
        serve(args.serve)
        return
    if shutil.which("curl") is None:
        raise SystemExit("curl is needed for the comparison")
    size = args.size_mib * 1024 * 1024
    with tempfile.TemporaryDirectory(prefix="vms_desk-bench-", dir=args.dir) as work:
        folder = Path(work)
        source = folder / "source.bin"
        expected = make_file(source, size)
        server = subprocess.Popen(
            [sys.executable, __file__, "--serve", str(source)], stdout=subprocess.PIPE, text=True
        )
        try:
            assert server.stdout is not None
            url = server.stdout.readline().split()[-1]
            # Warm up imports and the code path so the RSS baseline already holds them; curl too.
            asyncio.run(ours(url, folder / "warm.bin", "/warm"))
            curl(url, folder / "warm-curl.bin", "/warm")
            gc.collect()
            baseline = rss_bytes()
            ours_runs, curl_runs, durable_runs, hashed_runs, peak = alternate(
                url, folder, size, expected=expected, rounds=args.rounds, server=server.pid
            )
        finally:
            server.kill()
            server.wait()
    ours_median = summarise("downloader (SHA-256 included):", ours_runs, size)
    curl_median = summarise("curl -o:                      ", curl_runs, size)
    durable_median = summarise("curl -o, then fsync:          ", durable_runs, size)
    durable = durable_median / ours_median
    print(f"against curl with its file fsynced (the downloader's durability): {durable:.2f} x")
    hashed_median = summarise("curl -o, fsync, SHA-256:      ", hashed_runs, size)
    whole = hashed_median / ours_median
    print(f"against curl, fsync and SHA-256 (the downloader's whole job): {whole:.2f} x")
    ratio = curl_median / ours_median
    growth_mib = (peak - baseline) / 2**20
    print(f"download: {ratio:.2f} x curl, peak RSS +{max(0.0, growth_mib):.0f} MiB")


if __name__ == "__main__":
    main()
