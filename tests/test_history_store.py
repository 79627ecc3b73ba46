"""The SQLite history store and recorder: commits, resume points, migrations, bad files."""

from __future__ import annotations

import sqlite3
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from tests.fixtures.history import StepClock, make_routine, seed_history, set_data
from voicecoach.commands import Command
from voicecoach.errors import HistoryError
from voicecoach.events import CommandHeard
from voicecoach.files import paths
from voicecoach.history import (
    MIGRATIONS,
    SCHEMA_VERSION,
    HistoryRecorder,
    HistoryStore,
    ResumePoint,
    SetRecord,
    Status,
    Streaks,
    Tally,
    default_history_file,
    streaks,
)
from voicecoach.history.progression import Change

T0 = datetime(2026, 11, 20, 8, 0, tzinfo=UTC)


@pytest.fixture
def clock() -> StepClock:
    return StepClock(T0)


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "history.sqlite3"


def record(exercise_index: int, set_index: int, level: int | None = None,
           reps_done: int | None = None) -> SetRecord:
    routine = make_routine()
    return SetRecord.from_session(set_data(routine, exercise_index, set_index, level, reps_done),
                                  routine)


def other_connection(path: Path) -> sqlite3.Connection:
    return sqlite3.connect(path, timeout=0.1)


def test_new_file_is_created_at_the_latest_schema(db_path: Path) -> None:
    store = HistoryStore.open(db_path)
    assert store.schema_version == SCHEMA_VERSION
    versions = [v for (v,) in other_connection(db_path).execute(
        "SELECT version FROM schema_version ORDER BY version")]
    assert versions == [m.version for m in MIGRATIONS]
    store.close()


def test_default_file_is_in_the_user_data_dir() -> None:
    assert default_history_file().parent == paths.user_data_dir()
    HistoryStore.open().close()
    assert default_history_file().exists()


def test_each_set_is_committed_when_it_ends(db_path: Path, clock: StepClock) -> None:
    store = HistoryStore.open(db_path, clock)
    sid = store.begin_session("Test core", "test-core.yaml")
    store.record_event(sid, "command", {"command": "easier", "confidence": 0.8}, 0, 0)
    store.record_event(sid, "easier", {"to": "bent-knee"}, 0, 0)
    store.record_event(sid, "paused", {}, 0, 1)  # belongs to the next set
    store.record_set(sid, record(0, 0, level=0, reps_done=3))
    # Another connection sees the set while the session is still open: it is on disk.
    row = other_connection(db_path).execute(
        "SELECT exercise, set_index, variation, variation_id, tempo, reps_planned, reps_done,"
        " duration_s, commands, easier, harder, pauses FROM sets").fetchall()
    assert row == [("Leg lifts", 0, "Bent knee", "bent-knee", "1-0-1-0", 4, 3, 6.0, 1, 1, 0, 0)]
    store.close()


def test_set_records_are_read_from_the_sessions_set_done_data() -> None:
    routine = make_routine()
    hold = SetRecord.from_session({"exercise": "plank", "variation": "full-plank", "set": 2,
                                   "reps": None, "is_partial": True, "tempo": None}, routine)
    assert hold == SetRecord(1, "Plank", 1, "Full plank", "full-plank", 1, "", None, 0, 5.0, 5.0,
                             is_completed=False)
    with pytest.raises(HistoryError, match="exercise 'curls', which routine 'Test core'"):
        SetRecord.from_session({"exercise": "curls", "set": 1}, routine)


def test_end_session_adds_each_sitting_to_the_duration(db_path: Path, clock: StepClock) -> None:
    routine = make_routine()
    store = HistoryStore.open(db_path, clock)
    sid = store.begin_session(routine.name)
    clock.advance(seconds=100)
    store.record_set(sid, record(0, 0))
    store.end_session(sid, Status.INTERRUPTED)
    clock.advance(hours=5)
    point = store.find_interrupted(routine)
    assert point is not None
    store.resume_session(point)
    clock.advance(seconds=30)
    store.end_session(sid, Status.FINISHED)
    [row] = store.recent_sessions()
    assert (row.status, row.duration_s, row.sets) == (Status.FINISHED, 130.0, 1)


@pytest.mark.parametrize(
    ("saved", "status", "expected"),
    [
        ([], Status.RUNNING, (0, 0, None)),
        ([(0, 0, 1)], Status.RUNNING, (0, 1, "straight-leg")),
        ([(0, 0, 0), (0, 1, 1)], Status.INTERRUPTED, (0, 2, "straight-leg")),
        ([(0, 0, 0), (0, 1, 0), (0, 2, 0)], Status.STOPPED, (1, 0, None)),
        ([(0, 0, 0), (0, 1, 0), (0, 2, 0), (1, 0, 0), (1, 1, 0)], Status.RUNNING, None),
        ([(0, 0, 0)], Status.FINISHED, None),
    ],
)
def test_find_interrupted_points_at_the_set_after_the_last_saved(
    db_path: Path, saved: list[tuple[int, int, int]], status: Status,
    expected: tuple[int, int, str | None] | None,
) -> None:
    routine = make_routine()
    store = HistoryStore.open(db_path)
    sid = store.begin_session(routine.name)
    for exercise_index, set_index, level in saved:
        store.record_set(sid, record(exercise_index, set_index, level=level))
    if status is not Status.RUNNING:
        store.end_session(sid, status)
    point = store.find_interrupted(routine)
    if expected is None:
        assert point is None
    else:
        assert point == ResumePoint(sid, *expected, sets_done=len(saved))


@pytest.mark.parametrize(
    ("kind", "data", "expected"),
    [
        ("easier", {"exercise": "leg-lifts", "variation": "hover", "set": 2, "to": "straight-leg"},
         (0, 1, "straight-leg")),
        ("safety", {"exercise": "leg-lifts", "variation": "hover", "set": 2,
                    "gentler": "straight-leg"}, (0, 1, "straight-leg")),
        ("safety", {"exercise": "leg-lifts", "variation": "hover", "set": 2, "gentler": None},
         (0, 1, "hover")),
        ("skipped", {"exercise": "leg-lifts", "variation": "hover", "set": 2}, (1, 0, None)),
    ],
)
def test_resume_follows_ladder_moves_and_skips_after_the_last_set(
    db_path: Path, clock: StepClock, kind: str, data: dict[str, object],
    expected: tuple[int, int, str | None],
) -> None:
    routine = make_routine()
    recorder, _ = HistoryRecorder.open(db_path, routine, "", print, now=clock)
    recorder.record("set_done", set_data(routine, 0, 0, level=2))
    clock.advance(seconds=5)
    recorder.record(kind, data)
    point = HistoryStore.open(db_path).find_interrupted(routine)
    assert point is not None
    assert (point.exercise_index, point.set_index, point.variation_id) == expected


def test_only_the_latest_session_of_the_routine_is_resumed(db_path: Path, clock: StepClock) -> None:
    routine = make_routine()
    store = HistoryStore.open(db_path, clock)
    old = store.begin_session(routine.name)
    store.record_set(old, record(0, 0))
    clock.advance(days=1)
    new = store.begin_session(routine.name)
    store.end_session(new, Status.FINISHED)
    assert store.find_interrupted(routine) is None
    clock.advance(days=1)
    store.begin_session("Another routine")
    assert store.find_interrupted(routine) is None


def test_resume_point_describes_itself() -> None:
    assert ResumePoint(1, 0, 1, None, 1).describe(make_routine()) == (
        "Resuming Leg lifts, set 2 of 3.")


# ---- migrations -----------------------------------------------------------------------


def make_v1_file(path: Path) -> None:
    """A history file exactly as the first schema wrote it, with one session in it."""
    db = sqlite3.connect(path)
    db.executescript(
        "CREATE TABLE schema_version (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL,"
        " description TEXT NOT NULL);"
        + MIGRATIONS[0].sql
        + ";INSERT INTO schema_version VALUES (1, '2026-01-01T00:00:00+00:00', 'first');"
        "INSERT INTO sessions VALUES (7, 'Test core', 'test-core.yaml',"
        " '2026-01-02T08:00:00.000+00:00', '2026-01-02T08:10:00.000+00:00', 'finished');"
        "INSERT INTO events VALUES (1, 7, '2026-01-02T08:01:00+00:00', 0, 1, 'command', '{}');"
        "INSERT INTO events VALUES (2, 7, '2026-01-02T08:01:00+00:00', 0, 1, 'easier', '{}');"
        "INSERT INTO events VALUES (3, 7, '2026-01-02T08:02:00+00:00', 0, 2, 'easier', '{}');"
        "INSERT INTO sets VALUES (1, 7, 0, 'Leg lifts', 0, 'Straight leg', 1, '1-0-1-0', 4, 4,"
        " NULL, 8.0, 1, '2026-01-02T08:01:00.000+00:00');"
        "INSERT INTO sets VALUES (2, 7, 0, 'Leg lifts', 1, 'Bent knee', 0, '1-0-1-0', 4, 4,"
        " NULL, 8.0, 1, '2026-01-02T08:03:00.000+00:00');"
    )
    db.close()


def test_a_first_schema_file_is_migrated_and_its_data_kept(db_path: Path) -> None:
    make_v1_file(db_path)
    store = HistoryStore.open(db_path)
    assert store.schema_version == SCHEMA_VERSION
    counters = other_connection(db_path).execute(
        "SELECT set_index, commands, easier, variation_id FROM sets ORDER BY set_index"
    ).fetchall()
    assert counters == [(0, 0, 0, None), (1, 1, 1, None)]
    [row] = store.recent_sessions()
    assert (row.id, row.status, row.duration_s, row.sets, row.reps) == (
        7, Status.FINISHED, 600.0, 2, 8)
    assert row.summary is None  # saved before summaries were kept: still listed
    [legs, _plank] = store.exercise_results(7, make_routine())
    assert (legs.easier, [s.variation_level for s in legs.sets]) == (2, [1, 0])
    # New writes work on the migrated file.
    store.record_set(store.begin_session("Test core"), record(0, 0))
    store.close()


def test_reopening_a_migrated_file_changes_nothing(db_path: Path) -> None:
    make_v1_file(db_path)
    HistoryStore.open(db_path).close()
    HistoryStore.open(db_path).close()
    count = other_connection(db_path).execute("SELECT COUNT(*) FROM schema_version").fetchone()
    assert count == (len(MIGRATIONS),)


# ---- files that cannot be used --------------------------------------------------------


def test_a_corrupt_file_gives_one_clear_line(db_path: Path) -> None:
    db_path.write_bytes(b"this is not sqlite at all " * 100)
    with pytest.raises(HistoryError) as caught:
        HistoryStore.open(db_path)
    message = str(caught.value)
    assert str(db_path) in message and "damaged" in message and "--history" in message


def test_a_locked_file_gives_one_clear_line(db_path: Path) -> None:
    HistoryStore.open(db_path).close()
    locker = other_connection(db_path)
    locker.execute("BEGIN EXCLUSIVE")
    with pytest.raises(HistoryError, match="locked by another program"):
        HistoryStore.open(db_path, lock_timeout_s=0.05)
    locker.rollback()


def test_another_programs_database_is_refused(db_path: Path) -> None:
    db = sqlite3.connect(db_path)
    db.execute("CREATE TABLE photos (id INTEGER)")
    db.commit()
    with pytest.raises(HistoryError, match="another program"):
        HistoryStore.open(db_path)


def test_a_newer_schema_is_refused(db_path: Path) -> None:
    HistoryStore.open(db_path).close()
    db = other_connection(db_path)
    db.execute("INSERT INTO schema_version VALUES (99, 'x', 'from the future')")
    db.commit()
    with pytest.raises(HistoryError, match="newer voicecoach"):
        HistoryStore.open(db_path)


def test_a_folder_is_refused(tmp_path: Path) -> None:
    with pytest.raises(HistoryError, match="is a folder"):
        HistoryStore.open(tmp_path)


# ---- the recorder never breaks a workout ----------------------------------------------


def test_recorder_on_a_corrupt_file_warns_once_and_keeps_nothing(db_path: Path) -> None:
    db_path.write_bytes(b"garbage" * 1000)
    warnings: list[str] = []
    recorder, point = HistoryRecorder.open(db_path, make_routine(), "", warnings.append,
                                           resume=True)
    recorder.record("set_done", set_data(make_routine(), 0, 0))
    recorder.heard(CommandHeard(Command.PAUSE))
    recorder.close(Status.FINISHED)
    assert point is None and not recorder.is_on
    assert len(warnings) == 1 and warnings[0].startswith("history is off: ")


def test_recorder_turns_off_once_when_the_file_gets_locked(db_path: Path) -> None:
    routine = make_routine()
    warnings: list[str] = []
    recorder, _ = HistoryRecorder.open(db_path, routine, "", warnings.append,
                                       lock_timeout_s=0.05)
    recorder.record("set_done", set_data(routine, 0, 0))
    locker = other_connection(db_path)
    locker.execute("BEGIN EXCLUSIVE")
    recorder.record("set_done", set_data(routine, 0, 1))
    recorder.record("set_done", set_data(routine, 0, 2))
    recorder.close(Status.FINISHED)
    locker.rollback()
    assert len(warnings) == 1 and "locked" in warnings[0]
    assert other_connection(db_path).execute("SELECT COUNT(*) FROM sets").fetchone() == (1,)


def test_recorder_turns_off_on_a_malformed_record(db_path: Path) -> None:
    warnings: list[str] = []
    recorder, _ = HistoryRecorder.open(db_path, make_routine(), "", warnings.append)
    recorder.record("set_done", {"exercise": "leg-lifts"})
    recorder.record("set_done", {"exercise": "leg-lifts"})
    assert warnings == ["history is off: a record has set = None; expected a set number from 1"]


def test_recorder_files_events_under_the_set_they_name(db_path: Path) -> None:
    routine = make_routine()
    recorder, _ = HistoryRecorder.open(db_path, routine, "", print)
    for set_index in range(3):
        recorder.record("set_done", set_data(routine, 0, set_index))
    recorder.record("paused", {"exercise": "plank", "variation": "knee-plank", "set": 1,
                               "rep": 0, "phase": None})
    recorder.heard(CommandHeard(Command.STOP, "stop", 0.9))
    recorder.record("stopped", {"exercise": "plank", "variation": "knee-plank", "set": 1})
    recorder.close(Status.INTERRUPTED)  # the record already said how it ended
    db = other_connection(db_path)
    rows = db.execute("SELECT kind, exercise_index, set_index, data FROM events").fetchall()
    assert rows == [
        ("paused", 1, 0, '{"exercise": "plank", "phase": null, "rep": 0, "set": 1, '
                         '"variation": "knee-plank"}'),
        ("command", 1, 0, '{"command": "stop", "confidence": 0.9, "text": "stop"}'),
        ("stopped", 1, 0, '{"exercise": "plank", "set": 1, "variation": "knee-plank"}'),
    ]
    assert db.execute("SELECT status FROM sessions").fetchall() == [("stopped",)]


def test_a_coach_closed_before_any_record_leaves_no_session(db_path: Path) -> None:
    recorder, _ = HistoryRecorder.open(db_path, make_routine(), "", print)
    recorder.close()
    assert other_connection(db_path).execute("SELECT COUNT(*) FROM sessions").fetchone() == (0,)


def test_resume_through_the_recorder_continues_the_same_session(db_path: Path) -> None:
    routine = make_routine()
    first, _ = HistoryRecorder.open(db_path, routine, "", print)
    first.record("set_done", set_data(routine, 0, 0, level=1))
    # No close: the process died.
    warnings: list[str] = []
    second, point = HistoryRecorder.open(db_path, routine, "", warnings.append, resume=True)
    assert point is not None and (point.exercise_index, point.set_index) == (0, 1)
    assert point.variation_id == "straight-leg" and warnings == []
    second.record("set_done", set_data(routine, 0, 1, level=1))
    second.record("finished", {"exercise": "leg-lifts", "variation": "straight-leg", "set": 2})
    second.close()
    store = HistoryStore.open(db_path)
    [row] = store.recent_sessions()
    assert (row.sets, row.status) == (2, Status.FINISHED)


def test_resume_with_nothing_to_resume_says_so_and_begins_anew(db_path: Path) -> None:
    warnings: list[str] = []
    recorder, point = HistoryRecorder.open(db_path, make_routine(), "", warnings.append,
                                           resume=True)
    assert point is None and recorder.is_on
    assert warnings == ["nothing to resume for Test core: beginning a new workout"]


# ---- queries --------------------------------------------------------------------------


def test_streaks() -> None:
    days = {date(2026, 11, d) for d in (1, 2, 3, 5, 6)}
    assert streaks(days, date(2026, 11, 6)) == Streaks(current_days=2, longest_days=3)
    assert streaks(days, date(2026, 11, 7)) == Streaks(current_days=2, longest_days=3)
    assert streaks(days, date(2026, 11, 8)) == Streaks(current_days=0, longest_days=3)
    assert streaks(set(), date(2026, 11, 8)) == Streaks(0, 0)


def test_seeded_history_queries(db_path: Path) -> None:
    seed_history(db_path, days=6)
    store = HistoryStore.open(db_path)
    recent = store.recent_sessions(limit=4)
    assert len(recent) == 4 and recent[0].started_at > recent[-1].started_at
    assert {r.status for r in recent} == {Status.FINISHED}
    assert (recent[0].sets, recent[0].reps) == (5, 12)
    totals = {t.exercise: t for t in store.exercise_totals()}
    assert (totals["Leg lifts"].sessions, totals["Leg lifts"].sets) == (6, 18)
    assert totals["Leg lifts"].best_variation == "Hover"
    assert totals["Plank"].best_variation == "Full plank"
    assert len(store.workout_days()) == 6
    series = store.plot_series()
    assert [p.variation_level for p in series["Leg lifts"]] == [0, 0, 1, 1, 2, 2]
    assert [p.reps for p in series["Leg lifts"]] == [12] * 6


def test_suggestions_compare_the_last_two_sessions(db_path: Path) -> None:
    routine = seed_history(db_path, days=6)
    store = HistoryStore.open(db_path)
    legs, plank = store.suggestions(routine)
    # Leg lifts: clean twice at Hover, the top rung: one more rep.
    assert (legs.kind, legs.variation_level) == (Change.ONE_MORE_REP, 2)
    # Plank: clean twice at Full plank, its top rung: a longer hold.
    assert plank.kind is Change.ONE_MORE_REP and "seconds longer" in plank.text


def test_a_sitting_on_the_workouts_own_clock_counts_that_time_not_the_wall_clocks(
        db_path: Path, clock: StepClock) -> None:
    routine = make_routine()
    recorder, _ = HistoryRecorder.open(db_path, routine, "", print, now=clock)
    recorder.record("set_done", set_data(routine, 0, 0))  # a simulation: the wall clock stands
    recorder.record("finished", {"exercise": "leg-lifts", "set": 1, "elapsed_s": 412.5})
    recorder.close()
    [row] = HistoryStore.open(db_path).recent_sessions()
    assert row.duration_s == 412.5


def test_the_ending_summary_is_kept_with_its_session_and_historys_suggestions(
        db_path: Path) -> None:
    routine = make_routine()
    recorder, _ = HistoryRecorder.open(db_path, routine, "", print)
    tally = Tally(routine)
    for set_index in range(3):
        data = set_data(routine, 0, set_index)
        tally.add("set_done", {**data, "work_s": 20.0})
        recorder.record("set_done", data)
    recorder.record("finished", {"exercise": "leg-lifts", "set": 3, "elapsed_s": 100.0})
    kept = recorder.keep_summary(tally.summary(Status.FINISHED, 100.0))
    recorder.close()
    assert kept.suggestions == tuple(s.text for s in HistoryStore.open(db_path).suggestions(
        routine))
    [row] = HistoryStore.open(db_path).recent_sessions()
    assert row.summary == kept
    assert (kept.sets_done, kept.reps, kept.work_s, kept.total_s) == (3, 12, 60.0, 100.0)
