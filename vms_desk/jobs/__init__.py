"""The jobs layer: the persistent queue (store + engine), the streaming downloader, backoff, credentials.

Qt-free; the GUI subscribes to the engine's listeners through its own bridge.
"""

from vms_desk.jobs.backoff import PollPolicy, RetryPolicy
from vms_desk.jobs.engine import Engine, JobBusy
from vms_desk.jobs.records import FileRecord, JobEvent, JobRecord
from vms_desk.jobs.store import JobStore, UnknownJob

__all__ = [
    "Engine",
    "FileRecord",
    "JobBusy",
    "JobEvent",
    "JobRecord",
    "JobStore",
    "PollPolicy",
    "RetryPolicy",
    "UnknownJob",
]
