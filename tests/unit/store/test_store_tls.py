"""TLS to the team store: `sslmode=verify-full` with the team's CA connects encrypted; a server the CA did
not sign is refused in words (not waited on as if it were down)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import trustme
from pg_server import SUPERUSER_PASSWORD, LocalPostgres

from vms_desk.core.errors import StorageError
from vms_desk.jobs.store import JobStore
from vms_desk.store.database import StoreUnreachable
from vms_desk.store.open import open_database
from vms_desk.store.postgres import PostgresDatabase


@pytest.fixture(scope="module")
def tls_server(
    tmp_path_factory: pytest.TempPathFactory, postgres: Any
) -> Iterator[tuple[LocalPostgres, Path]]:
    """A second throwaway server with TLS on, its certificate signed by a CA of the test's own."""
    ca = trustme.CA()
    cert = ca.issue_cert("127.0.0.1", "localhost")
    server = LocalPostgres()
    cert_file = server.base / "server.crt"
    cert.cert_chain_pems[0].write_to_path(str(cert_file))
    key_file = server.base / "server.key"
    cert.private_key_pem.write_to_path(str(key_file))
    server.give(cert_file, 0o644)
    server.give(key_file, 0o600)
    server.extra_options = f"-c ssl=on -c ssl_cert_file={cert_file} -c ssl_key_file={key_file}"
    server.start()
    folder = tmp_path_factory.mktemp("tls")
    ca_file = folder / "team-ca.pem"
    ca.cert_pem.write_to_path(str(ca_file))
    yield server, ca_file
    server.stop()


def test_verify_full_with_the_teams_ca_connects_encrypted(
    tls_server: tuple[LocalPostgres, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    server, ca_file = tls_server
    monkeypatch.setenv("VMS_DESK_STORE_PASSWORD", SUPERUSER_PASSWORD)
    url = f"{server.new_database()}?sslmode=verify-full&sslrootcert={ca_file}"
    db = open_database(url)
    assert isinstance(db, PostgresDatabase)
    JobStore(db)
    with db.read() as conn:
        row = conn.execute("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()").fetchone()
    assert row["ssl"] is True


def test_a_server_the_ca_did_not_sign_is_refused_in_words(
    tls_server: tuple[LocalPostgres, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    server, _ = tls_server
    monkeypatch.setenv("VMS_DESK_STORE_PASSWORD", SUPERUSER_PASSWORD)
    other_ca = tmp_path / "other-ca.pem"
    trustme.CA().cert_pem.write_to_path(str(other_ca))
    with pytest.raises(StorageError, match="refused") as caught:
        open_database(f"{server.url()}?sslmode=verify-full&sslrootcert={other_ca}")
    assert not isinstance(caught.value, StoreUnreachable)
    assert "certificate" in (caught.value.detail or "")
