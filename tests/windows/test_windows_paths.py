"""Windows-only code paths, run on the Windows CI job (skipped elsewhere): process identity for owner
leases, the boot id, part-file writes without O_DIRECT, hashing, reserved names, long paths, keyring."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from vms_desk.sim.registry import RunningSim

pytestmark = pytest.mark.skipif(sys.platform != "win32", reason="Windows-only code paths")


def test_owner_ids_tell_a_live_process_from_an_exited_one() -> None:
    from vms_desk.jobs.owner import SEPARATOR, machine, owner_alive, process_started

    ours = process_started(os.getpid())
    assert ours is not None
    assert ours.isdigit()
    assert process_started(os.getpid()) == ours
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        started = process_started(child.pid)
        assert started is not None
        assert started != ours
        owner = SEPARATOR.join((machine(), str(child.pid), started, "abcd1234"))
        assert owner_alive(owner) is True
        # The same PID with another start time is a later process: the owner is gone.
        assert owner_alive(SEPARATOR.join((machine(), str(child.pid), "1", "abcd1234"))) is False
    finally:
        child.kill()
        child.wait()
    assert owner_alive(owner) is False


def test_the_boot_id_is_stable_within_a_boot() -> None:
    from vms_desk.jobs.durable import current_boot

    seen = set()
    for _ in range(20):
        seen.add(current_boot.__wrapped__())
        time.sleep(0.05)
    assert len(seen) == 1, seen  # a changing id would make every resume throw unflushed bytes away
    assert next(iter(seen)).startswith("win:")


def test_part_files_are_written_and_flushed_without_o_direct(tmp_path: Path) -> None:
    from vms_desk.evidence.hashing import sha256_file
    from vms_desk.jobs import partfile

    assert not partfile.DIRECT_IO
    path = tmp_path / "clip.mkv.part"
    part = partfile.PartFile(path, append=False)
    chunks = [os.urandom(70_000), os.urandom(4096), os.urandom(12_345)]
    offset = 0
    for chunk in chunks:
        part.write(memoryview(chunk), offset)
        offset += len(chunk)
    part.sync_data()
    part.close(sync=True)
    data = b"".join(chunks)
    assert path.read_bytes() == data  # O_BINARY: no newline translation
    size, _ = sha256_file(path)
    assert size == len(data)


@pytest.mark.parametrize("name", ["CON.mkv", "nul", "COM1.txt", "LPT9", "aux.json", "clip .mkv."])
def test_reserved_names_become_real_files(tmp_path: Path, name: str) -> None:
    from vms_desk.evidence.naming import safe_name

    safe = safe_name(name)
    target = tmp_path / safe
    target.write_bytes(b"evidence")
    assert target.read_bytes() == b"evidence"  # not swallowed by a device
    assert [p.name for p in tmp_path.iterdir()] == [safe]


def test_an_export_deeper_than_max_path_lands_and_verifies(
    sim_factory: Callable[..., RunningSim], tmp_path: Path
) -> None:
    from vms_desk.core.models import Vendor

    sim = sim_factory(Vendor.AXIS)
    out = tmp_path.joinpath(*[f"case folder with a long name {i}" for i in range(10)])
    assert len(str(out)) > 260
    env = {**os.environ, "VMS_DESK_HOME": str(tmp_path / "home"), "PW": "demo"}

    def cli(*args: str) -> str:
        command = [sys.executable, "-m", "vms_desk", *args]
        done = subprocess.run(command, capture_output=True, text=True, env=env, timeout=120, check=False)
        assert done.returncode == 0, done.stderr
        return done.stdout

    server = ["--vendor", "axis", "--url", sim.url, "--user", "demo", "--password-env", "PW"]
    camera = json.loads(cli("cameras", *server, "--json"))[0]["id"]
    end = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=5)
    span = ["--start", (end - timedelta(seconds=2)).isoformat(), "--end", end.isoformat()]
    job = json.loads(
        cli("export", *server, "--camera", camera, *span, "--format", "mkv", "--out", str(out), "--json")
    )
    assert job["state"] == "done"
    assert len(job["files"][0]["path"]) > 260
    cli("verify", str(out))


def test_passwords_go_to_the_windows_credential_manager() -> None:
    import keyring

    from vms_desk.workstation.servers import PasswordVault

    assert type(keyring.get_keyring()).__module__ == "keyring.backends.Windows"
    vault = PasswordVault()
    assert vault.persistent
    key = f"test-{uuid.uuid4().hex}"
    try:
        assert vault.set(key, "s3cret") is True
        assert PasswordVault().get(key) == "s3cret"  # a new vault reads it from the OS store
    finally:
        vault.delete(key)
    assert PasswordVault().get(key) is None
