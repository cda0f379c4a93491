"""What a case already holds of a camera: the spans exported from it, for the timeline's marks (so
nobody exports a span twice or misses a gap)."""

from __future__ import annotations

from collections.abc import Iterable

from vms_desk.core.jobstate import JobState
from vms_desk.core.models import ServerConfig, TimeSpan
from vms_desk.jobs.credentials import server_key
from vms_desk.jobs.records import JobRecord


def exported_spans(
    jobs: Iterable[JobRecord], case: str, server: ServerConfig, camera_id: str
) -> list[TimeSpan]:
    """The spans of `camera_id` on `server` that finished exports of `case` hold, oldest first: what
    the server reported it exported where it said so, else what was asked for."""
    key = server_key(server)
    spans = [
        job.actual or job.request.span
        for job in jobs
        if job.case == case
        and job.state is JobState.DONE
        and job.camera_id == camera_id
        and server_key(job.server) == key
    ]
    return sorted(spans, key=lambda s: s.start)
