"""Workout history in SQLite: each set is committed as it ends, so a crash loses at most one set."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum
from pathlib import Path

from voicecoach.errors import HistoryError
from voicecoach.events import CommandHeard
from voicecoach.files import paths
from voicecoach.history.progression import ExerciseResult, SetResult, Suggestion, suggest_all
from voicecoach.routine.model import Routine
from voicecoach.routine.tempo import Tempo

HISTORY_FILE_NAME = "history.sqlite3"

LOCK_TIMEOUT_S = 2.0
"""How long a write waits for another program's lock: long enough for a reader, short enough
that a stuck lock costs the workout one short stall before history turns itself off."""

SET_DONE = "set_done"
"""The Record kind of a finished (or cut short) set: the one that becomes a `sets` row."""

COMMAND = "command"
"""The kind the recorder saves each command heard under."""

SKIPPED = "skipped"
"""The Record kind of "skip": the rest of that exercise is left out, also when resuming."""

LADDER_MOVES: Mapping[str, str] = {"easier": "to", "harder": "to", "safety": "gentler"}
"""Record kinds that move an exercise along its ladder -> the data key naming the new rung."""

COUNTED_EVENTS: Mapping[str, str] = {
    "commands": COMMAND,
    "easier": "easier",
    "harder": "harder",
    "pauses": "paused",
    "safety_stops": "safety",
}
"""Per-set counter column -> the event kind it counts (Record kinds of the session, and
`command`, which the recorder writes for every command heard)."""

_COUNT_EVENTS_SQL = "UPDATE sets SET " + ", ".join(
    f"{column} = (SELECT COUNT(*) FROM events e WHERE e.session_id = sets.session_id"
    f" AND e.exercise_index = sets.exercise_index AND e.set_index = sets.set_index"
    f" AND e.kind = '{kind}')"
    for column, kind in COUNTED_EVENTS.items()
)
"""Fills a set's counters from its events; shared by record_set and the v2 backfill."""


@dataclass(frozen=True)
class Migration:
    """One step of the schema; applied in order, each in its own transaction."""

    version: int
    description: str
    sql: str


MIGRATIONS: tuple[Migration, ...] = (
    Migration(1, "sessions, sets and events", """
        CREATE TABLE sessions (
            id INTEGER PRIMARY KEY,
            routine TEXT NOT NULL,
            routine_path TEXT NOT NULL DEFAULT '',
            started_at TEXT NOT NULL,
            ended_at TEXT,
            status TEXT NOT NULL DEFAULT 'running'
        );
        CREATE TABLE sets (
            id INTEGER PRIMARY KEY,
            session_id INTEGER NOT NULL REFERENCES sessions(id),
            exercise_index INTEGER NOT NULL,
            exercise TEXT NOT NULL,
            set_index INTEGER NOT NULL,
            variation TEXT NOT NULL,
            variation_level INTEGER NOT NULL,
            tempo TEXT NOT NULL DEFAULT '',
            reps_planned INTEGER,
            reps_done INTEGER NOT NULL DEFAULT 0,
            hold_s REAL,
            duration_s REAL NOT NULL DEFAULT 0,
            completed INTEGER NOT NULL DEFAULT 1,
            ended_at TEXT NOT NULL,
            UNIQUE (session_id, exercise_index, set_index)
        );
        CREATE TABLE events (
            id INTEGER PRIMARY KEY,
            session_id INTEGER NOT NULL REFERENCES sessions(id),
            at TEXT NOT NULL,
            exercise_index INTEGER,
            set_index INTEGER,
            kind TEXT NOT NULL,
            data TEXT NOT NULL DEFAULT '{}'
        );
    """),
    Migration(2, "per-set command counters, variation ids, session durations", (
        "ALTER TABLE sets ADD COLUMN variation_id TEXT;\n"
        + "".join(f"ALTER TABLE sets ADD COLUMN {c} INTEGER NOT NULL DEFAULT 0;\n"
                  for c in COUNTED_EVENTS)
        + _COUNT_EVENTS_SQL + ";\n"
        + """
        ALTER TABLE sessions ADD COLUMN duration_s REAL;
        UPDATE sessions SET duration_s =
            ROUND((julianday(ended_at) - julianday(started_at)) * 86400, 3)
            WHERE ended_at IS NOT NULL;
        CREATE INDEX sets_by_session ON sets (session_id);
        CREATE INDEX events_by_session ON events (session_id);
    """)),
)
SCHEMA_VERSION = MIGRATIONS[-1].version


class Status(StrEnum):
    """How a session ended; `running` after a crash, since nothing got to say otherwise."""

    RUNNING = "running"
    INTERRUPTED = "interrupted"
    """Ctrl-C or a termination signal."""
    STOPPED = "stopped"
    """The user said "stop"."""
    FINISHED = "finished"


RESUMABLE = frozenset({Status.RUNNING, Status.INTERRUPTED, Status.STOPPED})

SESSION_ENDS: Mapping[str, Status] = {"finished": Status.FINISHED, "stopped": Status.STOPPED}
"""Record kinds that end the session, and the status each leaves."""


@dataclass(frozen=True)
class SetRecord:
    """One finished (or cut short) set: a row of the `sets` table."""

    exercise_index: int
    exercise: str
    set_index: int
    variation: str
    variation_id: str
    variation_level: int
    tempo: str = ""
    reps_planned: int | None = None
    reps_done: int = 0
    hold_s: float | None = None
    duration_s: float = 0.0
    is_completed: bool = True

    @classmethod
    def from_session(cls, data: Mapping[str, object], routine: Routine) -> SetRecord:
        """Read the session's `set_done` Record (ids, 1-based set) against its routine."""
        exercise_index, level = _locate(data, routine)
        exercise = routine.exercises[exercise_index]
        variation = exercise.variations[level]
        reps = data.get("reps")
        tempo = str(data.get("tempo") or "")
        reps_done = reps if isinstance(reps, int) else 0
        # Reps are paced by the tempo, so reps x rep time is the work done (pauses excluded).
        duration_s = (Tempo.parse(tempo).rep_s * reps_done if tempo
                      else variation.work_s)
        return cls(
            exercise_index=exercise_index, exercise=exercise.name,
            set_index=_set_index(data),
            variation=variation.name, variation_id=variation.id, variation_level=level,
            tempo=tempo, reps_planned=variation.reps, reps_done=reps_done,
            hold_s=variation.hold_s, duration_s=duration_s,
            is_completed=not data.get("is_partial", False),
        )


def _locate(data: Mapping[str, object], routine: Routine) -> tuple[int, int]:
    """(exercise index, ladder level) of a Record's `exercise` and `variation` ids."""
    for index, exercise in enumerate(routine.exercises):
        if exercise.id == data.get("exercise"):
            for level, variation in enumerate(exercise.variations):
                if variation.id == data.get("variation"):
                    return index, level
            return index, exercise.start_index
    raise HistoryError(f"a record names exercise {data.get('exercise')!r}, which routine "
                       f"{routine.name!r} does not have")


def _set_index(data: Mapping[str, object]) -> int:
    """The 0-based set index of a Record (the session counts sets from 1)."""
    number = data.get("set")
    if not isinstance(number, int) or number < 1:
        raise HistoryError(f"a record has set = {number!r}; expected a set number from 1")
    return number - 1


@dataclass(frozen=True)
class ResumePoint:
    """Where an unfinished workout continues: the set after the last one saved."""

    session_id: int
    exercise_index: int
    set_index: int
    """0-based; the session's set number is one more."""
    variation_id: str | None
    """The rung the exercise was last at (set, easier, harder, safety), or None: its start."""
    sets_done: int

    @property
    def set_number(self) -> int:
        """The set as the session and the user count it, from 1."""
        return self.set_index + 1

    def describe(self, routine: Routine) -> str:
        """The line shown before resuming, e.g. "Resuming Leg lifts, set 2 of 3."."""
        exercise = routine.exercises[self.exercise_index]
        return f"Resuming {exercise.name}, set {self.set_number} of {exercise.sets}."


@dataclass(frozen=True)
class SessionRow:
    """One line of the recent-sessions table."""

    id: int
    routine: str
    started_at: datetime
    status: Status
    duration_s: float | None
    sets: int
    reps: int


@dataclass(frozen=True)
class ExerciseTotal:
    """All-time totals for one exercise."""

    exercise: str
    sessions: int
    sets: int
    reps: int
    work_s: float
    best_variation: str
    last_done: datetime


@dataclass(frozen=True)
class PlotPoint:
    """One exercise in one session: what the progress plot draws."""

    started_at: datetime
    reps: int
    work_s: float
    """Seconds of work: what a hold exercise is measured in."""
    variation_level: int
    variation: str


@dataclass(frozen=True)
class Streaks:
    """Consecutive days with a workout."""

    current_days: int
    longest_days: int


def default_history_file() -> Path:
    """The history database in the user data dir."""
    return paths.user_data_dir() / HISTORY_FILE_NAME


def _utc_now() -> datetime:
    return datetime.now(UTC)


def _stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="milliseconds")


def _parse_stamp(text: str) -> datetime:
    return datetime.fromisoformat(text)


def _describe_error(exc: sqlite3.Error, path: Path) -> str:
    """One line saying what is wrong with the database file and what to do."""
    text = str(exc)
    if "locked" in text or "busy" in text:
        return (f"{path} is locked by another program (another voicecoach?); "
                "close it or use --history OTHER.sqlite3")
    if isinstance(exc, sqlite3.DatabaseError) and ("not a database" in text
                                                   or "malformed" in text):
        return (f"{path} is damaged ({text}); move it aside (a new one is made) "
                "or use --history OTHER.sqlite3")
    return f"{path}: {text}; check the file and its folder, or use --history OTHER.sqlite3"


class HistoryStore:
    """The history database: sessions, their sets and what was said during them."""

    def __init__(self, connection: sqlite3.Connection, path: Path,
                 now: Callable[[], datetime] = _utc_now) -> None:
        self._db = connection
        self.path = path
        self._now = now

    @classmethod
    def open(cls, path: Path | None = None, now: Callable[[], datetime] = _utc_now,
             lock_timeout_s: float = LOCK_TIMEOUT_S) -> HistoryStore:
        """Open (creating and migrating as needed); HistoryError says why it cannot be used."""
        path = Path(path) if path is not None else default_history_file()
        if path.is_dir():
            raise HistoryError(f"{path} is a folder; give a file name, e.g. --history "
                               f"{path / HISTORY_FILE_NAME}")
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise HistoryError(f"cannot make the folder for {path}: {exc.strerror}; "
                               "use --history with a writable place") from None
        try:
            connection = sqlite3.connect(path, timeout=lock_timeout_s)
        except sqlite3.Error as exc:
            raise HistoryError(_describe_error(exc, path)) from None
        store = cls(connection, path, now)
        try:
            with store._guard():
                store._db.execute("PRAGMA foreign_keys = ON")
                store._migrate()
        except HistoryError:
            store.close()
            raise
        return store

    def close(self) -> None:
        """Release the file."""
        self._db.close()

    @contextmanager
    def _guard(self) -> Iterator[None]:
        """Turn any SQLite error into a one-line HistoryError naming the file."""
        try:
            yield
        except sqlite3.Error as exc:
            raise HistoryError(_describe_error(exc, self.path)) from None

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        """Commit on success (the point of no loss), roll back on error, convert errors."""
        with self._guard(), self._db:
            yield self._db

    # ---- schema ------------------------------------------------------------------------

    @property
    def schema_version(self) -> int:
        """The version this file is at (0 for a new, empty file)."""
        with self._guard():
            tables = {row[0] for row in self._db.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table'")}
            if "schema_version" not in tables:
                if tables:
                    raise HistoryError(f"{self.path} is a database of another program, not "
                                       "voicecoach history; use --history OTHER.sqlite3")
                return 0
            row = self._db.execute("SELECT MAX(version) FROM schema_version").fetchone()
            return int(row[0] or 0)

    def _migrate(self) -> None:
        version = self.schema_version
        if version > SCHEMA_VERSION:
            raise HistoryError(f"{self.path} was written by a newer voicecoach (schema "
                               f"{version}, this one knows up to {SCHEMA_VERSION}); upgrade "
                               "voicecoach or use --history OTHER.sqlite3")
        for migration in MIGRATIONS:
            if migration.version > version:
                self._apply(migration)

    def _apply(self, migration: Migration) -> None:
        """One migration and its version row in a single transaction: all of it or none."""
        script = (
            "BEGIN;\n"
            "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY,"
            " applied_at TEXT NOT NULL, description TEXT NOT NULL);\n"
            f"{migration.sql};\n"
            "INSERT INTO schema_version VALUES"
            f" ({migration.version}, '{_stamp(self._now())}', '{migration.description}');\n"
            "COMMIT;"
        )
        try:
            self._db.executescript(script)
        except sqlite3.Error:
            if self._db.in_transaction:
                self._db.rollback()
            raise

    # ---- writing -----------------------------------------------------------------------

    def begin_session(self, routine_name: str, routine_path: str = "",
                      started_at: datetime | None = None) -> int:
        """Start a session row (status running until end_session says otherwise)."""
        with self._transaction() as db:
            cursor = db.execute(
                "INSERT INTO sessions (routine, routine_path, started_at, status)"
                " VALUES (?, ?, ?, ?)",
                (routine_name, routine_path, _stamp(started_at or self._now()), Status.RUNNING),
            )
        assert cursor.lastrowid is not None
        return cursor.lastrowid

    def resume_session(self, point: ResumePoint) -> None:
        """Mark an unfinished session running again; its earlier sitting's time is kept."""
        with self._transaction() as db:
            db.execute(
                "UPDATE sessions SET status = ?, ended_at = NULL, duration_s ="
                " COALESCE(duration_s, ROUND((julianday(COALESCE(ended_at,"
                "   (SELECT MAX(ended_at) FROM sets WHERE session_id = sessions.id),"
                "   started_at)) - julianday(started_at)) * 86400, 3))"
                " WHERE id = ?",
                (Status.RUNNING, point.session_id),
            )
        self.record_event(point.session_id, "resumed",
                          {"exercise_index": point.exercise_index, "set_index": point.set_index},
                          point.exercise_index, point.set_index)

    def record_set(self, session_id: int, record: SetRecord) -> None:
        """Save a finished set and commit at once."""
        with self._transaction() as db:
            cursor = db.execute(
                "INSERT OR REPLACE INTO sets (session_id, exercise_index, exercise, set_index,"
                " variation, variation_id, variation_level, tempo, reps_planned, reps_done,"
                " hold_s, duration_s, completed, ended_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (session_id, record.exercise_index, record.exercise, record.set_index,
                 record.variation, record.variation_id, record.variation_level, record.tempo,
                 record.reps_planned, record.reps_done, record.hold_s, record.duration_s,
                 int(record.is_completed), _stamp(self._now())),
            )
            db.execute(f"{_COUNT_EVENTS_SQL} WHERE id = ?", (cursor.lastrowid,))

    def record_event(self, session_id: int, kind: str, data: Mapping[str, object],
                     exercise_index: int | None = None, set_index: int | None = None) -> None:
        """Save something said or done during a set (command, easier, pause...), committed."""
        with self._transaction() as db:
            db.execute(
                "INSERT INTO events (session_id, at, exercise_index, set_index, kind, data)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                (session_id, _stamp(self._now()), exercise_index, set_index, kind,
                 json.dumps(dict(data), default=str, sort_keys=True)),
            )

    def end_session(self, session_id: int, status: Status) -> None:
        """Close a session, adding this sitting's time to its duration."""
        now = self._now()
        with self._transaction() as db:
            started, previous_s, resumed = db.execute(
                "SELECT started_at, duration_s, (SELECT MAX(at) FROM events"
                " WHERE session_id = sessions.id AND kind = 'resumed') FROM sessions WHERE id = ?",
                (session_id,),
            ).fetchone()
            sitting_from = _parse_stamp(resumed or started)
            duration_s = (previous_s or 0.0) + (now - sitting_from).total_seconds()
            db.execute(
                "UPDATE sessions SET status = ?, ended_at = ?, duration_s = ? WHERE id = ?",
                (status, _stamp(now), duration_s, session_id),
            )

    # ---- reading -----------------------------------------------------------------------

    def find_interrupted(self, routine: Routine) -> ResumePoint | None:
        """The next set of the latest session of this routine, if that session is unfinished."""
        with self._guard():
            row = self._db.execute(
                "SELECT id, status FROM sessions WHERE routine = ?"
                " ORDER BY started_at DESC, id DESC LIMIT 1",
                (routine.name,),
            ).fetchone()
            if row is None or Status(row[1]) not in RESUMABLE:
                return None
            session_id = int(row[0])
            (sets_done,) = self._db.execute(
                "SELECT COUNT(*) FROM sets WHERE session_id = ?", (session_id,)).fetchone()
            last = self._db.execute(
                "SELECT exercise_index, set_index FROM sets WHERE session_id = ?"
                " ORDER BY exercise_index DESC, set_index DESC LIMIT 1", (session_id,),
            ).fetchone()
            (skipped,) = self._db.execute(
                "SELECT MAX(exercise_index) FROM events WHERE session_id = ? AND kind = ?",
                (session_id, SKIPPED)).fetchone()
            position = (0, 0) if last is None else next_set(routine, *last)
            if skipped is not None:
                position = max(position, (skipped + 1, 0))
            if position[0] >= len(routine.exercises):
                return None  # every set was done; the end just never got saved
            variation_id = self._latest_variation(session_id, position[0])
        return ResumePoint(session_id, *position, variation_id, sets_done)

    def _latest_variation(self, session_id: int, exercise_index: int) -> str | None:
        """The rung an exercise was last at: its latest set, or a later easier/harder/safety."""
        set_row = self._db.execute(
            "SELECT ended_at, variation_id FROM sets WHERE session_id = ? AND exercise_index = ?"
            " ORDER BY ended_at DESC, id DESC LIMIT 1", (session_id, exercise_index),
        ).fetchone()
        moves = self._db.execute(
            f"SELECT at, kind, data FROM events WHERE session_id = ? AND exercise_index = ?"
            f" AND kind IN ({', '.join('?' * len(LADDER_MOVES))}) ORDER BY id",
            (session_id, exercise_index, *LADDER_MOVES),
        ).fetchall()
        latest_at, latest = set_row if set_row is not None else ("", None)
        for at, kind, data in moves:
            moved_to = json.loads(data).get(LADDER_MOVES[kind])
            if at >= latest_at and moved_to:
                latest_at, latest = at, str(moved_to)
        return latest

    def recent_sessions(self, limit: int = 10) -> list[SessionRow]:
        """The latest sessions, newest first, with their set and rep counts."""
        with self._guard():
            rows = self._db.execute(
                "SELECT s.id, s.routine, s.started_at, s.status, s.duration_s,"
                " COUNT(t.id), COALESCE(SUM(t.reps_done), 0), MAX(t.ended_at)"
                " FROM sessions s LEFT JOIN sets t ON t.session_id = s.id"
                " GROUP BY s.id ORDER BY s.started_at DESC, s.id DESC LIMIT ?",
                (limit,),
            ).fetchall()
        result = []
        for sid, routine, started, status, duration_s, sets, reps, last_set in rows:
            started_at = _parse_stamp(started)
            if duration_s is None and last_set is not None:
                duration_s = (_parse_stamp(last_set) - started_at).total_seconds()
            result.append(SessionRow(sid, routine, started_at, Status(status), duration_s,
                                     sets, reps))
        return result

    def exercise_totals(self) -> list[ExerciseTotal]:
        """All-time totals per exercise, by name."""
        with self._guard():
            rows = self._db.execute(
                "SELECT exercise, COUNT(DISTINCT session_id), COUNT(*), SUM(reps_done),"
                " SUM(duration_s), MAX(ended_at),"
                " (SELECT b.variation FROM sets b WHERE b.exercise = sets.exercise"
                "  ORDER BY b.variation_level DESC, b.ended_at DESC LIMIT 1)"
                " FROM sets GROUP BY exercise ORDER BY exercise"
            ).fetchall()
        return [ExerciseTotal(name, sessions, sets, reps, work_s, best, _parse_stamp(last))
                for name, sessions, sets, reps, work_s, last, best in rows]

    def workout_days(self) -> set[date]:
        """Local calendar days on which at least one set was done."""
        with self._guard():
            rows = self._db.execute("SELECT DISTINCT ended_at FROM sets").fetchall()
        return {_parse_stamp(stamp).astimezone().date() for (stamp,) in rows}

    def plot_series(self) -> dict[str, list[PlotPoint]]:
        """Per exercise, per session in time order: reps done and the hardest variation."""
        with self._guard():
            rows = self._db.execute(
                "SELECT t.exercise, s.started_at, SUM(t.reps_done), SUM(t.duration_s),"
                " MAX(t.variation_level),"
                " (SELECT b.variation FROM sets b WHERE b.session_id = s.id"
                "  AND b.exercise = t.exercise ORDER BY b.variation_level DESC LIMIT 1)"
                " FROM sets t JOIN sessions s ON s.id = t.session_id"
                " GROUP BY t.exercise, s.id ORDER BY s.started_at, s.id"
            ).fetchall()
        series: dict[str, list[PlotPoint]] = {}
        for exercise, started, reps, work_s, level, variation in rows:
            series.setdefault(exercise, []).append(
                PlotPoint(_parse_stamp(started), reps, work_s, level, variation))
        return series

    def latest_sessions(self, routine_name: str, count: int = 2) -> list[int]:
        """Ids of the newest sessions of a routine that saved at least one set, newest first."""
        with self._guard():
            rows = self._db.execute(
                "SELECT s.id FROM sessions s WHERE s.routine = ?"
                " AND EXISTS (SELECT 1 FROM sets WHERE session_id = s.id)"
                " ORDER BY s.started_at DESC, s.id DESC LIMIT ?",
                (routine_name, count),
            ).fetchall()
        return [int(sid) for (sid,) in rows]

    def exercise_results(self, session_id: int, routine: Routine) -> list[ExerciseResult]:
        """What the progression rules need about each exercise of one session."""
        with self._guard():
            set_rows = self._db.execute(
                "SELECT exercise_index, variation_level, reps_done, reps_planned, completed"
                " FROM sets WHERE session_id = ? ORDER BY exercise_index, set_index",
                (session_id,),
            ).fetchall()
            event_rows = self._db.execute(
                "SELECT exercise_index, kind, COUNT(*) FROM events WHERE session_id = ?"
                " GROUP BY exercise_index, kind", (session_id,),
            ).fetchall()
        counts = {(ei, kind): n for ei, kind, n in event_rows}
        results = []
        for index, exercise in enumerate(routine.exercises):
            ladder = exercise.variations
            sets = tuple(SetResult(min(level, len(ladder) - 1), done, planned, bool(completed))
                         for ei, level, done, planned, completed in set_rows if ei == index)
            results.append(ExerciseResult(
                exercise=exercise.name,
                ladder=tuple(v.name for v in ladder),
                sets_planned=exercise.sets,
                sets=sets,
                start_level=exercise.start_index,
                easier=counts.get((index, COUNTED_EVENTS["easier"]), 0),
                harder=counts.get((index, COUNTED_EVENTS["harder"]), 0),
                safety_stops=counts.get((index, COUNTED_EVENTS["safety_stops"]), 0),
                is_hold=ladder[exercise.start_index].hold_s is not None,
            ))
        return results

    def suggestions(self, routine: Routine) -> list[Suggestion]:
        """The progression suggestions from the latest session of a routine (vs the one before)."""
        ids = self.latest_sessions(routine.name, 2)
        if not ids:
            return []
        previous = self.exercise_results(ids[1], routine) if len(ids) > 1 else None
        return suggest_all(self.exercise_results(ids[0], routine), previous)


def streaks(days: set[date], today: date) -> Streaks:
    """Current streak (alive if the last workout was today or yesterday) and the longest one."""
    longest = run = 0
    previous: date | None = None
    for day in sorted(days):
        run = run + 1 if previous is not None and day - previous == timedelta(days=1) else 1
        longest = max(longest, run)
        previous = day
    current = 0
    day = today if today in days else today - timedelta(days=1)
    while day in days:
        current += 1
        day -= timedelta(days=1)
    return Streaks(current, longest)


class HistoryRecorder:
    """Feeds the session's Record actions to the store; history never stops a workout."""

    def __init__(self, store: HistoryStore | None, routine: Routine,
                 warn: Callable[[str], None], routine_path: str = "",
                 session_id: int | None = None) -> None:
        self._store = store
        self._routine = routine
        self._warn = warn
        self._routine_path = routine_path
        self._session_id = session_id
        """None until the first record: a coach closed before "start" leaves no session."""
        self._position = (0, 0)
        self._has_ended = False

    @classmethod
    def open(cls, path: Path | None, routine: Routine, routine_path: str,
             warn: Callable[[str], None], resume: bool = False,
             now: Callable[[], datetime] = _utc_now, lock_timeout_s: float = LOCK_TIMEOUT_S,
             ) -> tuple[HistoryRecorder, ResumePoint | None]:
        """A recorder for a new session, or for the unfinished one when `resume` finds it.

        Returns the resume point too (None: begin at the start). Any database problem is
        reported once through `warn` and gives a recorder that keeps nothing.
        """
        try:
            store = HistoryStore.open(path, now, lock_timeout_s)
            point = store.find_interrupted(routine) if resume else None
            if point is not None:
                store.resume_session(point)
        except HistoryError as exc:
            warn(f"history is off: {exc}")
            return cls(None, routine, warn), None
        if resume and point is None:
            warn(f"nothing to resume for {routine.name}: beginning a new workout")
        recorder = cls(store, routine, warn, routine_path,
                       point.session_id if point is not None else None)
        if point is not None:
            recorder._position = (point.exercise_index, point.set_index)
        return recorder, point

    @property
    def is_on(self) -> bool:
        """Whether anything is still being saved."""
        return self._store is not None

    def heard(self, event: CommandHeard) -> None:
        """Save a command heard (or typed), with the recognizer's confidence."""
        self.record(COMMAND, {"command": event.command.value, "text": event.text,
                              "confidence": round(event.confidence, 3)})

    def record(self, kind: str, data: Mapping[str, object]) -> None:
        """Recorder port: save one Record; on failure say "history is off" once, keep going."""
        if self._store is None:
            return
        try:
            if self._session_id is None:
                self._session_id = self._store.begin_session(self._routine.name,
                                                             self._routine_path)
            if kind == SET_DONE:
                done = SetRecord.from_session(data, self._routine)
                self._store.record_set(self._session_id, done)
                self._position = (done.exercise_index, done.set_index)
                return
            if "exercise" in data:
                self._position = (_locate(data, self._routine)[0], _set_index(data))
            self._store.record_event(self._session_id, kind, data, *self._position)
            if kind in SESSION_ENDS:
                self._store.end_session(self._session_id, SESSION_ENDS[kind])
                self._has_ended = True
        except (HistoryError, ValueError) as exc:
            self._turn_off(str(exc))

    def close(self, status: Status = Status.INTERRUPTED) -> None:
        """End the session with `status` unless a Record already ended it; release the file."""
        if self._store is None:
            return
        try:
            if self._session_id is not None and not self._has_ended:
                self._store.end_session(self._session_id, status)
                self._has_ended = True
        except HistoryError as exc:
            self._warn(f"history could not save the end of the workout: {exc}")
        finally:
            self._store.close()
            self._store = None

    def suggestions(self) -> list[Suggestion]:
        """Progression suggestions from the latest saved session of this routine."""
        if self._store is None:
            return []
        try:
            return self._store.suggestions(self._routine)
        except HistoryError as exc:
            self._turn_off(str(exc))
            return []

    def _turn_off(self, reason: str) -> None:
        self._warn(f"history is off: {reason}")
        if self._store is not None:
            self._store.close()
        self._store = None


def next_set(routine: Routine, exercise_index: int, set_index: int) -> tuple[int, int]:
    """The (exercise, set) position after a set; past the last exercise when it was the last."""
    if set_index + 1 < routine.exercises[exercise_index].sets:
        return exercise_index, set_index + 1
    return exercise_index + 1, 0
