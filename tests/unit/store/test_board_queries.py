"""The board's paged, filtered reads on both engines: every page and count holds exactly the jobs that
BoardFilter.matches accepts, newest first, and the same on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from records_helpers import new_record

from vms_desk.core.jobstate import JobState
from vms_desk.core.models import ServerConfig, Vendor
from vms_desk.jobs.codec import COLUMN, encode
from vms_desk.jobs.records import JobRecord, Verification
from vms_desk.jobs.schema import MIGRATIONS, POSTGRES_MIGRATIONS
from vms_desk.jobs.store import JobStore
from vms_desk.present.board import BoardFilter
from vms_desk.store.database import Database
from vms_desk.store.open import open_database

BASE = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
SERVERS = (
    ServerConfig(vendor=Vendor.AXIS, url="http://10.0.0.5", user="u", name="Überwachung Nord"),
    ServerConfig(vendor=Vendor.VDG_SENSE, url="http://10.0.0.6:8000", user="u"),
    ServerConfig(vendor=Vendor.EXACQ, url="http://10.0.0.7", user="u", name="100%_till"),
)
STATES = (JobState.QUEUED, JobState.DOWNLOADING, JobState.DONE, JobState.FAILED, JobState.INTERRUPTED)
VERDICTS = (None, True, False)


def _jobs(tmp_path: Path, count: int = 90) -> list[JobRecord]:
    """Jobs spread over operators, workstations, cases, servers, states, verdicts and days; some
    created at the very same instant, so the id decides their order."""
    made = []
    for i in range(count):
        verdict = VERDICTS[i % 3]
        made.append(
            new_record(
                tmp_path,
                STATES[i % len(STATES)],
                created=BASE - timedelta(hours=7 * (i // 2)),
                operator=("alice", "bob", None, "Ünal")[i % 4],
                workstation=("ws-a", "ws-b", "")[i % 3],
                case=("C-1", "C-2", None, "C_3")[(i // 3) % 4],
                server=SERVERS[(i // 2) % 3],
                verified=None if verdict is None else Verification(when=BASE, ok=verdict, detail=""),
            )
        )
    return made


FILTERS = [
    BoardFilter(),
    BoardFilter(operator="bob"),
    BoardFilter(operator="Ünal"),
    BoardFilter(workstation="ws-b"),
    BoardFilter(workstation="ws-c"),
    BoardFilter(case="C-2"),
    BoardFilter(case="C_3"),
    BoardFilter(server="überwachung"),  # any case, beyond ASCII
    BoardFilter(server="ÜBERWACHUNG NORD"),
    BoardFilter(server="vdg-sense/"),
    BoardFilter(server="100%_"),  # LIKE's wildcards are plain characters here
    BoardFilter(server="0_"),
    BoardFilter(server="1_0"),
    BoardFilter(states=frozenset({JobState.FAILED})),
    BoardFilter(states=frozenset({JobState.DONE, JobState.QUEUED})),
    BoardFilter(since=BASE - timedelta(days=3)),
    BoardFilter(until=BASE - timedelta(days=3)),
    BoardFilter(since=BASE - timedelta(days=5), until=BASE - timedelta(hours=35)),  # `since` on a job
    BoardFilter(problems_only=True),
    BoardFilter(problems_only=True, operator="alice", since=BASE - timedelta(days=8)),
    BoardFilter(case="C-1", workstation="ws-a", states=frozenset({JobState.DONE})),
]


def _expected(jobs: list[JobRecord], wanted: BoardFilter) -> list[str]:
    newest_first = sorted(jobs, key=lambda r: (r.created, r.id), reverse=True)
    return [r.id for r in newest_first if wanted.matches(r)]


@pytest.fixture
def filled(store: JobStore, tmp_path: Path) -> tuple[JobStore, list[JobRecord]]:
    jobs = _jobs(tmp_path)
    store.add_many(jobs[:60], "imported")
    for record in jobs[60:]:  # the one-by-one path fills the board's columns too
        store.add(record, "queued")
    return store, jobs


def test_pages_and_counts_hold_what_the_filter_matches(filled: tuple[JobStore, list[JobRecord]]) -> None:
    store, jobs = filled
    for wanted in FILTERS:
        expected = _expected(jobs, wanted)
        assert [r.id for r in store.page(wanted, 1000)] == expected, wanted
        assert store.count(wanted) == len(expected), wanted
        # Scrolling: pages of 7 after the last row held, and pages by offset, add up to the same list.
        scrolled: list[str] = []
        last = None
        while page := store.page(wanted, 7, before=last):
            scrolled += [r.id for r in page]
            last = page[-1]
        assert scrolled == expected, wanted
        by_offset = [
            r.id for start in range(0, len(expected) + 7, 7) for r in store.page(wanted, 7, offset=start)
        ]
        assert by_offset == expected, wanted


def test_the_filters_are_not_all_trivial(tmp_path: Path) -> None:
    jobs = _jobs(tmp_path)
    sizes = [len(_expected(jobs, f)) for f in FILTERS]
    assert sizes[0] == len(jobs)
    assert all(0 < n < len(jobs) for n in sizes[1:] if n), sizes
    assert sizes.count(0) == 3  # ws-c, "0_", "1_0": nothing, whatever the wildcards would say


def test_free_text_is_left_to_the_board(filled: tuple[JobStore, list[JobRecord]]) -> None:
    store, jobs = filled
    wanted = BoardFilter(operator="bob", text="no such text")
    assert (
        store.count(wanted.query())
        == store.count(wanted)
        == len(_expected(jobs, BoardFilter(operator="bob")))
    )


def test_reads_for_live_updates_and_the_choice_lists(filled: tuple[JobStore, list[JobRecord]]) -> None:
    store, jobs = filled
    some = [jobs[3].id, jobs[70].id, "no-such-job"]
    assert set(store.get_many(some)) == {jobs[3].id, jobs[70].id}
    assert store.get_many([]) == {}
    last = store.last_change()
    assert last is not None
    assert store.changed_since(last, 10) == []
    moved = store.move(jobs[0].id, JobState.SUBMITTING)  # jobs[0] was queued
    changed = store.changed_since(last, 10)
    assert [r.id for r in changed] == [moved.id]
    assert changed[0].state is JobState.SUBMITTING
    assert len(store.changed_since(None, 1000)) == len(jobs)
    assert store.choices("operator") == ["alice", "bob", "Ünal"]
    assert store.choices("workstation") == ["ws-a", "ws-b"]
    assert store.choices("server") == [
        "axis/Überwachung Nord",
        "exacq/100%_till",
        "vdg-sense/http://10.0.0.6:8000",
    ]
    counts = store.case_counts()
    assert counts == {c: sum(1 for j in jobs if j.case == c) for c in ("C-1", "C-2", "C_3")}


def test_a_verification_moves_a_job_in_and_out_of_problems(store: JobStore, tmp_path: Path) -> None:
    done = store.add(new_record(tmp_path, JobState.DONE), "done")
    problems = BoardFilter(problems_only=True)
    assert [r.id for r in store.page(problems, 10)] == [done.id]  # done, never re-verified
    store.update(done.id, verified=Verification(when=BASE, ok=True))
    assert store.count(problems) == 0
    store.update(done.id, verified=Verification(when=BASE, ok=False, detail="changed"))
    assert store.count(problems) == 1


def test_the_new_step_fills_the_columns_of_jobs_already_stored(store_url: str, tmp_path: Path) -> None:
    """A store at step 3 with jobs in it: step 4 derives their server label and verdict from the JSON."""
    db: Database = open_database(store_url)
    steps = POSTGRES_MIGRATIONS if db.engine == "postgresql" else MIGRATIONS
    assert db.migrate(steps[:3]) == 3
    jobs = _jobs(tmp_path, 30)
    names = list(JobRecord.model_fields)
    columns = ", ".join(COLUMN.get(n, n) for n in names)
    with db.write() as conn:
        for record in jobs:  # as the step-3 store wrote them: no board columns
            conn.execute(
                f"INSERT INTO jobs ({columns}) VALUES ({', '.join('?' * len(names))})",
                [encode(n, getattr(record, n)) for n in names],
            )
    store = JobStore(db)
    assert store.version == len(steps)
    for wanted in (
        BoardFilter(server="überwachung"),
        BoardFilter(problems_only=True),
        BoardFilter(server="VDG"),
    ):
        assert [r.id for r in store.page(wanted, 100)] == _expected(jobs, wanted)


def test_every_filter_field_is_covered() -> None:
    """A field added to JobQuery without SQL would silently match everything in the store."""
    fields = set(BoardFilter.__dataclass_fields__) - {"text"}
    used = {name for f in FILTERS for name in fields if getattr(f, name) != getattr(BoardFilter(), name)}
    assert used == fields
