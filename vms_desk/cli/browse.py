"""`cameras` and `recordings`: read-only questions to one server."""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Awaitable, Callable

from vms_desk.core.errors import NotFound
from vms_desk.core.models import Recordings, ServerConfig, TimeSpan
from vms_desk.core.protocol import VendorClient
from vms_desk.core.times import parse_user_time
from vms_desk.evidence.manifest import iso_utc
from vms_desk.jobs.backoff import retrying

from .common import EXIT_OK, open_workstation, print_json, server_from_args, server_phase


async def ask[T](
    server: ServerConfig, password: str | None, question: Callable[[VendorClient], Awaitable[T]]
) -> T:
    """Log in through the workstation's client pool (TLS pins, retries from settings) and ask one
    question (transient failures retried); always logs out."""
    workstation = open_workstation()
    workstation.passwords.remember(server, password)
    try:
        with server_phase():
            client = await workstation.clients.get(server)
            return await retrying(lambda: question(client), workstation.clients.policy)
    finally:
        await workstation.aclose()


async def known_camera(client: VendorClient, server: ServerConfig, camera_id: str) -> None:
    """NotFound, in the same words for every vendor, when the server has no camera `camera_id`."""
    # Vendors answer an unknown id differently (an error, an empty list, or "unknown"): ask once.
    if any(c.id == camera_id for c in await client.list_cameras()):
        return
    raise NotFound(
        f"{server.label} has no camera with the id {camera_id!r}; list them with `vms-desk cameras`.",
        detail=f"camera {camera_id!r} not in the camera list",
    )


def cameras(args: argparse.Namespace) -> int:
    """List the server's cameras: `id<TAB>name` lines, or JSON."""
    server, password = server_from_args(args)
    found = asyncio.run(ask(server, password, lambda c: c.list_cameras()))
    if args.json:
        print_json([c.model_dump(mode="json") for c in found])
        return EXIT_OK
    for camera in found:
        flags = "" if camera.online else "  (offline)"
        sys.stdout.write(f"{camera.id}\t{camera.name}{flags}\n")
    return EXIT_OK


def recordings(args: argparse.Namespace) -> int:
    """What the camera recorded in the span: `start<TAB>end` lines, or JSON {known, spans}."""
    server, password = server_from_args(args)
    span = TimeSpan(start=parse_user_time(args.start), end=parse_user_time(args.end))
    camera = args.camera

    async def question(client: VendorClient) -> Recordings:
        await known_camera(client, server, camera)
        return await client.recordings(camera, span)

    found = asyncio.run(ask(server, password, question))
    spans = [{"start": iso_utc(s.start), "end": iso_utc(s.end)} for s in found.spans]
    if args.json:
        print_json({"known": found.known, "spans": spans})
        return EXIT_OK
    if not found.known:
        sys.stdout.write("unknown: this server cannot tell what is recorded; an export will show it.\n")
        return EXIT_OK
    if not spans:
        sys.stdout.write("nothing recorded in this span\n")
    for item in spans:
        sys.stdout.write(f"{item['start']}\t{item['end']}\n")
    return EXIT_OK
