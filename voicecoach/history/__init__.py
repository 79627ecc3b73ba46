"""Workout history: what was done, kept in SQLite, and what to change next time."""

from voicecoach.history.progression import ExerciseResult, SetResult, Suggestion, suggest_all
from voicecoach.history.recorder import HistoryRecorder
from voicecoach.history.records import SET_DONE, ResumePoint, SetRecord, Status
from voicecoach.history.reports import ExerciseTotal, PlotPoint, SessionRow, Streaks, streaks
from voicecoach.history.schema import MIGRATIONS, SCHEMA_VERSION
from voicecoach.history.store import HistoryStore, default_history_file
from voicecoach.history.summary import ExerciseSummary, Tally, WorkoutSummary, with_suggestions

__all__ = [
    "MIGRATIONS",
    "SCHEMA_VERSION",
    "SET_DONE",
    "ExerciseResult",
    "ExerciseSummary",
    "ExerciseTotal",
    "HistoryRecorder",
    "HistoryStore",
    "PlotPoint",
    "ResumePoint",
    "SessionRow",
    "SetRecord",
    "SetResult",
    "Status",
    "Streaks",
    "Suggestion",
    "Tally",
    "WorkoutSummary",
    "default_history_file",
    "streaks",
    "suggest_all",
    "with_suggestions",
]
