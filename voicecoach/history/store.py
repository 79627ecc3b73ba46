"""Workout history in SQLite: each set is committed as it ends, so a crash loses at most one set."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, date, datetime
from pathlib import Path

from voicecoach.errors import HistoryError
from voicecoach.files import paths
from voicecoach.files.language import Templates
from voicecoach.history.progression import ExerciseResult, SetResult, Suggestion, suggest_all
from voicecoach.history.records import (
    COUNTED_EVENTS,
    LADDER_MOVES,
    RESUMABLE,
    SKIPPED,
    ResumePoint,
    SetRecord,
    Status,
    next_set,
)
from voicecoach.history.reports import ExerciseTotal, PlotPoint, SessionRow
from voicecoach.history.schema import COUNT_EVENTS_SQL, MIGRATIONS, SCHEMA_VERSION, Migration
from voicecoach.history.summary import WorkoutSummary
from voicecoach.routine import Routine

HISTORY_FILE_NAME = "history.sqlite3"

LOCK_TIMEOUT_S = 2.0
"""How long a write waits for another program's lock: long enough for a reader, short enough
that a stuck lock costs the workout one short stall before history turns itself off."""


def default_history_file() -> Path:
    """The history database in the user data dir."""
    return paths.user_data_dir() / HISTORY_FILE_NAME


def utc_now() -> datetime:
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
                 now: Callable[[], datetime] = utc_now) -> None:
        self._db = connection
        self.path = path
        self._now = now

    @classmethod
    def open(cls, path: Path | None = None, now: Callable[[], datetime] = utc_now,
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
            db.execute(f"{COUNT_EVENTS_SQL} WHERE id = ?", (cursor.lastrowid,))

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

    def end_session(self, session_id: int, status: Status, sitting_s: float | None = None) -> None:
        """Close a session, adding this sitting's time to its duration: `sitting_s` on the
        workout's own clock when the session says it (a simulation's is not the wall clock),
        else the wall clock since it began or resumed."""
        now = self._now()
        with self._transaction() as db:
            started, previous_s, resumed = db.execute(
                "SELECT started_at, duration_s, (SELECT MAX(at) FROM events"
                " WHERE session_id = sessions.id AND kind = 'resumed') FROM sessions WHERE id = ?",
                (session_id,),
            ).fetchone()
            if sitting_s is None:
                sitting_s = (now - _parse_stamp(resumed or started)).total_seconds()
            duration_s = (previous_s or 0.0) + sitting_s
            db.execute(
                "UPDATE sessions SET status = ?, ended_at = ?, duration_s = ? WHERE id = ?",
                (status, _stamp(now), duration_s, session_id),
            )

    def save_summary(self, session_id: int, summary: WorkoutSummary) -> None:
        """Keep the ending's summary with its session (a resumed one keeps its latest sitting's)."""
        with self._transaction() as db:
            db.execute("UPDATE sessions SET summary = ? WHERE id = ?",
                       (json.dumps(summary.to_dict(), sort_keys=True), session_id))

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
                " COUNT(t.id), COALESCE(SUM(t.reps_done), 0), MAX(t.ended_at), s.summary"
                " FROM sessions s LEFT JOIN sets t ON t.session_id = s.id"
                " GROUP BY s.id ORDER BY s.started_at DESC, s.id DESC LIMIT ?",
                (limit,),
            ).fetchall()
        result = []
        for sid, routine, started, status, duration_s, sets, reps, last_set, kept in rows:
            started_at = _parse_stamp(started)
            if duration_s is None and last_set is not None:
                duration_s = (_parse_stamp(last_set) - started_at).total_seconds()
            summary = WorkoutSummary.from_dict(json.loads(kept)) if kept else None
            result.append(SessionRow(sid, routine, started_at, Status(status), duration_s,
                                     sets, reps, summary))
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

    def suggestions(self, routine: Routine, words: Templates | None = None) -> list[Suggestion]:
        """The progression suggestions from the latest session of a routine (vs the one before),
        said with `words` (the language file's templates; English by default)."""
        ids = self.latest_sessions(routine.name, 2)
        if not ids:
            return []
        previous = self.exercise_results(ids[1], routine) if len(ids) > 1 else None
        return suggest_all(self.exercise_results(ids[0], routine), previous, words)
