"""`resume`: run the jobs a closed, crashed or killed vms_desk left unfinished to their end.

The job store knows where each job was: an export the server still holds is polled again, a download
continues from its `.part` (Range where the server allows), and an export whose id died with the old
API session (VDG Sense, exacqVision) is started again, with an event saying so. The GUI does the same
at start-up (`Engine.resume_interrupted`).
"""

from __future__ import annotations

import argparse
import asyncio
import sys

from vms_desk.core.errors import InputError
from vms_desk.core.jobstate import JobState
from vms_desk.jobs.credentials import password_from_env
from vms_desk.jobs.records import JobRecord
from vms_desk.jobs.store import JobStore
from vms_desk.workstation.root import Workstation

from .common import EXIT_FAILED, EXIT_OK, open_workstation, print_json, say_error
from .export import job_json
from .progress import ProgressLine

MIN_PREFIX = 8  # the short id `vms-desk jobs` shows


def resume(args: argparse.Namespace) -> int:
    """Resume every interrupted job (or those named); exit 0 only when every one ends done."""
    password = password_from_env(args.password_env)
    records, store = asyncio.run(_resume(args.jobs, password, show_progress=not args.json))
    if args.json:
        print_json([job_json(r) for r in records])
    else:
        for record in records:
            where = record.evidence_dir or ""
            sys.stdout.write(f"{record.state}\t{record.camera_name or record.camera_id}\t{where}\n")
        if not records:
            sys.stdout.write("no interrupted job to resume\n")
    failed = [r for r in records if r.state is not JobState.DONE]
    for record in failed:
        reason = record.error or _last_word(store, record)
        say_error(reason if len(records) == 1 else f"{record.camera_name or record.camera_id}: {reason}")
    wanted = job_ids(store, args.jobs) if args.jobs else set()
    untaken = sorted(wanted - {r.id for r in records})
    if untaken:
        states = ", ".join(f"{i[:MIN_PREFIX]} is {store.get(i).state}" for i in untaken)
        say_error(f"Not resumed ({states}): only interrupted jobs no other vms_desk runs can be resumed.")
    return EXIT_OK if not failed and not untaken else EXIT_FAILED


def _last_word(store: JobStore, record: JobRecord) -> str:
    """Why a job is not done when it has no error (e.g. it stayed interrupted): its last event."""
    events = store.events(record.id)
    return events[-1].detail if events and events[-1].detail else f"the job ended {record.state}"


def job_ids(store: JobStore, given: list[str]) -> set[str]:
    """Full ids for the ids or short ids given (InputError for an unknown or ambiguous one)."""
    ids: set[str] = set()
    for text in given:
        found = store.ids_starting(text)
        matches = [text] if text in found else (found if len(text) >= MIN_PREFIX else [])
        if len(matches) != 1:
            what = "matches no job" if not matches else "matches several jobs"
            raise InputError(f"--job {text} {what}: give an id as `vms-desk jobs` lists it.")
        ids.add(matches[0])
    return ids


async def _resume(
    given: list[str], password: str | None, *, show_progress: bool
) -> tuple[list[JobRecord], JobStore]:
    workstation: Workstation = open_workstation()
    # The one password given serves the server(s) of the resumed jobs that have none saved.
    workstation.passwords.fallback = password
    engine, store = workstation.engine, workstation.store
    progress = ProgressLine() if show_progress and sys.stderr.isatty() else None
    try:
        wanted = job_ids(store, given) if given else None
        if progress is not None:
            engine.add_listener(progress.on_record)
            engine.add_progress_listener(progress.on_progress)
        resumed = await engine.resume_interrupted(wanted)
        # Ctrl-C: the running jobs become interrupted again (engine.stop), for the next resume.
        await engine.run_until_idle()
        return [store.get(r.id) for r in resumed], store
    finally:
        if progress is not None:
            progress.close()
        await workstation.aclose()
