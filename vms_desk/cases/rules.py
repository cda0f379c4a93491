"""The rules of a case: what a case number may be and which status takes exports."""

from __future__ import annotations

import re
from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict

from vms_desk.core.errors import InputError

MAX_NUMBER = 64
# A case number names a folder on disk: no path separators, drive colons, wildcards or control
# characters, so `../x` or `C:x` can never place evidence outside the evidence root.
_FORBIDDEN = re.compile(r'[\\/:*?"<>|\x00-\x1f]')


class CaseStatus(StrEnum):
    """Where a case stands."""

    OPEN = "open"
    ON_HOLD = "on hold"
    CLOSED = "closed"


class Case(BaseModel):
    """One case as stored."""

    model_config = ConfigDict(frozen=True)

    number: str
    title: str = ""
    status: CaseStatus = CaseStatus.OPEN
    created: datetime
    created_by: str
    notes: str = ""
    updated: datetime


def check_number(number: str) -> str:
    """The case number stripped; InputError (one sentence) when it cannot name a case folder."""
    text = number.strip()
    if not text:
        raise InputError("A case number is empty: give one, e.g. 2026-0412.")
    if len(text) > MAX_NUMBER:
        raise InputError(
            f"The case number is {len(text)} characters long: use at most {MAX_NUMBER}, e.g. 2026-0412."
        )
    bad = _FORBIDDEN.search(text)
    if bad or text in {".", ".."} or text.startswith(".."):
        shown = bad.group() if bad else ".."
        raise InputError(
            f"The case number {text!r} contains {shown!r}, which cannot be in a folder name: "
            "use letters, digits, dashes and dots."
        )
    return text


def check_takes_exports(case: Case) -> None:
    """InputError (saying how to reopen) when the case takes no new exports."""
    if case.status is CaseStatus.CLOSED:
        raise InputError(
            f"The case {case.number} is closed and takes no new exports: reopen it with "
            f"`vms-desk case reopen {case.number}` first."
        )
    if case.status is CaseStatus.ON_HOLD:
        raise InputError(
            f"The case {case.number} is on hold and takes no new exports: reopen it with "
            f"`vms-desk case reopen {case.number}` first."
        )
