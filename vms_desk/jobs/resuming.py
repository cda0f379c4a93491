"""Picking a job up where an earlier run (stopped, crashed or killed) left it on disk.

The runner resumes from what the store and the evidence folder hold: files already under their final
name are kept when they still match their recorded size and SHA-256; a `.part` is handed to the
downloader, which keeps what jobs.durable trusts of it, re-hashes that and asks the server for the rest
with Range (and says so in the job's events).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from pathlib import Path

from vms_desk.core.errors import AuthFailed, IntegrityError, VmsDeskError
from vms_desk.core.jobstate import JobState
from vms_desk.jobs.download import part_path
from vms_desk.jobs.durable import remove_record
from vms_desk.jobs.finalize import verify_files
from vms_desk.jobs.records import FileRecord, JobEvent, JobRecord

Say = Callable[[str], None]


def resumed_from(events: Sequence[JobEvent]) -> JobState | None:
    """The state an interrupted job was in when its process stopped (its last state before)."""
    for event in reversed(events):
        if event.state is not JobState.INTERRUPTED:
            return event.state
    return None


def waits_for_server(state: JobState, err: VmsDeskError) -> bool:
    """True when a resumed job that cannot reach or log in to its server yet should stay interrupted
    with its partial files (failing would delete them), for the next start or `vms-desk resume` with
    the password. Only before the job moved on from `interrupted`: later errors fail it as usual."""
    return state is JobState.INTERRUPTED and (err.transient or isinstance(err, AuthFailed))


async def all_saved(record: JobRecord, say: Say) -> bool:
    """True when every file of a job stopped while verifying is still on disk as it was saved (then
    the job can end without its server, which may have released the export already)."""
    if record.evidence_dir is None or record.handle is None or not (record.files or record.server_path):
        return False
    try:
        await verify_files(record.evidence_dir, record.files)
    except IntegrityError as err:
        say(f"Resuming: {err}")
        return False
    say("Resuming: every file had been saved and checked before vms_desk stopped.")
    return True


async def kept_file(folder: Path, entry: FileRecord | None, say: Say) -> bool:
    """True when an earlier run saved this file and it still matches its size and SHA-256."""
    if entry is None:
        return False
    try:
        await verify_files(folder, [entry])
    except IntegrityError as err:
        say(f"{entry.name} is downloaded again: {err}")
        return False
    say(f"Kept {entry.name}: saved and verified before vms_desk stopped.")
    # A crash right after the rename can leave the part's record behind.
    await asyncio.to_thread(remove_record, part_path(folder / entry.name))
    return True
