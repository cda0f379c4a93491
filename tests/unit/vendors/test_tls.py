"""TLS: verification on by default; a self-signed server trusted by fingerprint; a changed one refused."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import trustme

from vms_desk.core.errors import InputError, TlsError
from vms_desk.sim.base import SimServer, SimState, build_app
from vms_desk.vendors._http import Funnel
from vms_desk.vendors.http_client import make_http_client
from vms_desk.vendors.tls import normalise_fingerprint, probe_fingerprint


def serve(tmp_path: Path, name: str) -> SimServer:
    cert = trustme.CA().issue_cert("127.0.0.1")
    certfile, keyfile = tmp_path / f"{name}.pem", tmp_path / f"{name}.key"
    cert.cert_chain_pems[0].write_to_path(str(certfile))
    cert.private_key_pem.write_to_path(str(keyfile))
    app = build_app([], SimState(workdir=tmp_path))
    return SimServer(app, certfile=str(certfile), keyfile=str(keyfile)).start()


@pytest.fixture
def https_server(tmp_path: Path) -> Iterator[SimServer]:
    server = serve(tmp_path, "one")
    yield server
    server.stop()


@pytest.mark.asyncio
async def test_untrusted_certificate_is_refused_by_default(https_server: SimServer) -> None:
    async with make_http_client() as http:
        with pytest.raises(TlsError, match="not trusted"):
            await Funnel(http, https_server.url, "Test server").send("GET", "/_sim/faults")


@pytest.mark.asyncio
async def test_trusted_by_fingerprint(https_server: SimServer) -> None:
    fingerprint = await probe_fingerprint("127.0.0.1", https_server.port)
    assert len(fingerprint) == 95
    async with make_http_client(pinned_sha256=fingerprint) as http:
        reply = await Funnel(http, https_server.url, "Test server").send("GET", "/_sim/faults")
    assert reply.status_code == 200


@pytest.mark.asyncio
async def test_changed_certificate_is_refused_before_the_request(
    tmp_path: Path, https_server: SimServer
) -> None:
    trusted = await probe_fingerprint("127.0.0.1", https_server.port)
    impostor = serve(tmp_path, "two")
    try:
        async with make_http_client(pinned_sha256=trusted) as http:
            with pytest.raises(TlsError, match="has changed since it was trusted"):
                await Funnel(http, impostor.url, "Test server").send(
                    "GET", "/_sim/faults", headers={"Authorization": "Basic c2VjcmV0"}
                )
        assert impostor.app.state.requests == []  # nothing, credentials included, reached it
    finally:
        impostor.stop()


def test_fingerprint_forms() -> None:
    digits = "ab" * 32
    assert normalise_fingerprint(digits) == ":".join(["AB"] * 32)
    assert normalise_fingerprint(":".join(["ab"] * 32)) == ":".join(["AB"] * 32)
    with pytest.raises(InputError, match="64 hexadecimal"):
        normalise_fingerprint("abc")
