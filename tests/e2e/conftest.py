"""Fixtures for the CLI end-to-end tests."""

from __future__ import annotations

import ssl
from collections.abc import Iterator
from pathlib import Path

import pytest
import trustme
from cli_helpers import make_home

from vms_desk.sim.axxon_one import build as build_axxon_one
from vms_desk.sim.base import SimServer, SimState
from vms_desk.vendors.tls import fingerprint_of


@pytest.fixture
def cli_home(tmp_path: Path) -> Path:
    """VMS_DESK_HOME for the subprocess, with fast retries and polling."""
    return make_home(tmp_path)


@pytest.fixture
def https_sim(tmp_path: Path) -> Iterator[tuple[str, str]]:
    """An Axxon One simulator over HTTPS with a self-signed certificate, and that certificate's pin."""
    cert = trustme.CA().issue_cert("127.0.0.1")
    certfile, keyfile = tmp_path / "cert.pem", tmp_path / "key.pem"
    cert.cert_chain_pems[0].write_to_path(str(certfile))
    cert.private_key_pem.write_to_path(str(keyfile))
    pin = fingerprint_of(ssl.PEM_cert_to_DER_cert(cert.cert_chain_pems[0].bytes().decode()))
    state = SimState(workdir=tmp_path / "sim", export_seconds=0.2)
    state.workdir.mkdir()
    server = SimServer(build_axxon_one(state), certfile=str(certfile), keyfile=str(keyfile)).start()
    yield server.url, pin
    server.stop()
