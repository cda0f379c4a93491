"""What the report and the bundle need of a case: its header, its evidence folders, its audit entries.

Until the store holds case records, a case is the set of jobs whose `case` equals the number; the
header then says only the number and the jobs' operators. A case record can fill the same fields.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from vms_desk.core.errors import InputError
from vms_desk.core.jobstate import JobState
from vms_desk.jobs.records import JobRecord


@dataclass(frozen=True)
class CaseHeader:
    """The case as the report's header shows it; None where the source does not record it."""

    number: str
    title: str | None = None
    status: str | None = None
    created_by: str | None = None
    created: datetime | None = None
    notes: str | None = None
    operators: tuple[str, ...] = ()


@dataclass(frozen=True)
class CaseFile:
    """One case: header, its evidence folders (each with a manifest.json), the audit entries about it."""

    header: CaseHeader
    evidence_dirs: tuple[Path, ...]
    audit: tuple[dict[str, Any], ...] = field(default=())


def case_from_jobs(number: str, jobs: Sequence[JobRecord], audit: Iterable[dict[str, Any]]) -> CaseFile:
    """The case made of the finished jobs whose `case` is `number`; InputError when there is none."""
    mine = [j for j in jobs if (j.case or "").strip() == number.strip()]
    done = [j for j in mine if j.state is JobState.DONE and j.evidence_dir and j.manifest]
    if not mine:
        raise InputError(f"No export belongs to case {number!r}: check the case number (`vms-desk jobs`).")
    if not done:
        raise InputError(f"Case {number!r} has no finished export with evidence files yet.")
    folders = tuple(dict.fromkeys(j.evidence_dir for j in done if j.evidence_dir))
    header = CaseHeader(
        number=number,
        operators=tuple(sorted({j.operator for j in mine if j.operator})),
    )
    return CaseFile(header=header, evidence_dirs=folders, audit=tuple(case_audit(number, mine, audit)))


def case_audit(
    number: str, jobs: Sequence[JobRecord], entries: Iterable[dict[str, Any]]
) -> list[dict[str, Any]]:
    """The audit entries about the case: its jobs, its folders, or naming the case itself. An entry a
    workstation brought into a team store (`import`) counts as the entry it carries, which says what
    happened, when and where."""
    ids = {j.id for j in jobs}
    folders = {str(j.evidence_dir) for j in jobs if j.evidence_dir}
    result = []
    for carrier in entries:
        original = carrier.get("original")
        entry = original if carrier.get("action") == "import" and isinstance(original, dict) else carrier
        folder = str(entry.get("folder", "") or entry.get("export_dir", ""))
        if (
            entry.get("case") == number
            or entry.get("job_id") in ids
            or any(folder == f or folder.startswith(f + "/") or folder.startswith(f + "\\") for f in folders)
        ):
            result.append(entry)
    return result
