"""What a supervisor does to jobs from the board (Qt-free): annotate, re-verify, reassign to a case.

Each is one audit entry; an annotation is also an event of the job, so it travels with its history.
Retry and cancel are the engine's own (the board calls them as the job list does).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from vms_desk.cases.book import CaseBook
from vms_desk.core.errors import InputError
from vms_desk.core.jobstate import JobState
from vms_desk.evidence.audit import AuditTrail
from vms_desk.evidence.verify import check_manifest
from vms_desk.jobs.records import JobRecord, Verification
from vms_desk.jobs.store import JobStore


@dataclass
class Supervision:
    """Board actions over the store, the case book and the audit log."""

    store: JobStore
    cases: CaseBook
    audit: AuditTrail
    operator: str

    def annotate(self, job_id: str, note: str) -> JobRecord:
        """Add a note to the job's events and the audit log; an empty note is refused."""
        text = " ".join(note.split())
        if not text:
            raise InputError("The note is empty: write what should be recorded about this job.")
        self.store.add_event(job_id, f"Note by {self.operator}: {text}")
        record = self.store.get(job_id)
        self.audit.record("annotate", "noted", job_id=job_id, case=record.case, by=self.operator, note=text)
        return record

    def reverify(self, job_id: str) -> JobRecord:
        """Hash the job's files again against its manifest (blocking: run it in a thread); the result
        is stored as the job's last verification and audited."""
        record = self.store.get(job_id)
        if record.manifest is None:
            raise InputError(
                f"{record.label} has no manifest yet: only a finished export can be re-verified."
            )
        check = check_manifest(record.manifest)
        bad = [f"{f.name} {f.status}" for f in check.files if not f.ok]
        detail = check.error or ("; ".join(bad) if bad else f"{len(check.files)} file(s) match")
        verified = Verification(when=datetime.now(UTC), ok=check.ok, detail=detail)
        record = self.store.update(job_id, verified=verified)
        self.store.add_event(
            job_id, f"Re-verified by {self.operator}: {'ok' if check.ok else 'FAILED'}, {detail}."
        )
        self.audit.record(
            "verify",
            "ok" if check.ok else "failed",
            job_id=job_id,
            folder=str(record.evidence_dir),
            problems=bad,
        )
        return record

    def reassign(self, job_id: str, case_number: str) -> JobRecord:
        """Move a job to another open case (the evidence folder stays where it is)."""
        case = self.cases.get(case_number)
        before = self.store.get(job_id).case
        record = self.store.update(job_id, case=case.number)
        self.store.add_event(
            job_id, f"Reassigned by {self.operator} from case {before or '(none)'} to {case.number}."
        )
        self.audit.record("reassign", "moved", job_id=job_id, was=before, case=case.number, by=self.operator)
        return record

    def reassign_workstation(self, job_id: str, workstation: str, *, why: str = "") -> JobRecord:
        """Let another workstation resume or retry a job that is not running (its owner died, or its
        files are to be fetched again elsewhere); audited. The evidence folder stays where it was."""
        name = workstation.strip()
        if not name:
            raise InputError(
                "Name the workstation the job goes to (as the board's Workstation column shows)."
            )
        record = self.store.get(job_id)
        if record.state not in (JobState.INTERRUPTED, JobState.FAILED, JobState.CANCELLED):
            raise InputError(
                f"{record.label} is {record.state}: only an interrupted, failed or cancelled job can move to "
                "another workstation."
            )
        before = record.workstation
        if before == name:
            return record
        record = self.store.update(job_id, workstation=name)
        reason = f" ({why.strip()})" if why.strip() else ""
        self.store.add_event(
            job_id, f"Reassigned by {self.operator} from workstation {before or '(none)'} to {name}{reason}."
        )
        self.audit.record(
            "reassign",
            "moved",
            job_id=job_id,
            was_workstation=before,
            workstation=name,
            by=self.operator,
            why=why.strip(),
        )
        return record
