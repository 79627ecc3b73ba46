"""The history database's schema: its migrations, applied in order, each in its own transaction."""

from __future__ import annotations

from dataclasses import dataclass

from voicecoach.history.records import COUNTED_EVENTS

COUNT_EVENTS_SQL = "UPDATE sets SET " + ", ".join(
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
        + COUNT_EVENTS_SQL + ";\n"
        + """
        ALTER TABLE sessions ADD COLUMN duration_s REAL;
        UPDATE sessions SET duration_s =
            ROUND((julianday(ended_at) - julianday(started_at)) * 86400, 3)
            WHERE ended_at IS NOT NULL;
        CREATE INDEX sets_by_session ON sets (session_id);
        CREATE INDEX events_by_session ON events (session_id);
    """)),
    Migration(3, "workout summaries", "ALTER TABLE sessions ADD COLUMN summary TEXT"),
)
SCHEMA_VERSION = MIGRATIONS[-1].version
