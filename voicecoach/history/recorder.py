"""Feeding a workout's Record actions to the history store; history never stops a workout."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from pathlib import Path

from voicecoach.errors import HistoryError
from voicecoach.events import CommandHeard
from voicecoach.files.language import Templates
from voicecoach.history.progression import Suggestion
from voicecoach.history.records import (
    COMMAND,
    SESSION_ENDS,
    SET_DONE,
    ResumePoint,
    SetRecord,
    Status,
    locate_in_routine,
    set_index_of,
)
from voicecoach.history.store import LOCK_TIMEOUT_S, HistoryStore, utc_now
from voicecoach.history.summary import WorkoutSummary, with_suggestions
from voicecoach.routine import Routine


class HistoryRecorder:
    """Feeds the session's Record actions to the store; history never stops a workout."""

    def __init__(self, store: HistoryStore | None, routine: Routine,
                 warn: Callable[[str], None], routine_path: str = "",
                 session_id: int | None = None, words: Templates | None = None) -> None:
        """`words`: the templates progression suggestions are said in (English by default)."""
        self._words = words
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
             now: Callable[[], datetime] = utc_now, lock_timeout_s: float = LOCK_TIMEOUT_S,
             words: Templates | None = None) -> tuple[HistoryRecorder, ResumePoint | None]:
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
            return cls(None, routine, warn, words=words), None
        if resume and point is None:
            warn(f"nothing to resume for {routine.name}: beginning a new workout")
        recorder = cls(store, routine, warn, routine_path,
                       point.session_id if point is not None else None, words)
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
                self._position = (locate_in_routine(data, self._routine)[0], set_index_of(data))
            self._store.record_event(self._session_id, kind, data, *self._position)
            if kind in SESSION_ENDS:
                elapsed_s = data.get("elapsed_s")
                self._store.end_session(
                    self._session_id, SESSION_ENDS[kind],
                    float(elapsed_s) if isinstance(elapsed_s, int | float) else None)
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
            return self._store.suggestions(self._routine, self._words)
        except HistoryError as exc:
            self._turn_off(str(exc))
            return []

    def keep_summary(self, summary: WorkoutSummary) -> WorkoutSummary:
        """Save the ending's summary with history's suggestions (they compare with the workout
        before); returns the summary as kept. Without history it is returned unchanged."""
        if self._store is None or self._session_id is None:
            return summary
        kept = with_suggestions(summary, [s.text for s in self.suggestions()])
        if self._store is None:  # reading the suggestions turned history off
            return kept
        try:
            self._store.save_summary(self._session_id, kept)
        except HistoryError as exc:
            self._turn_off(str(exc))
        return kept

    def _turn_off(self, reason: str) -> None:
        self._warn(f"history is off: {reason}")
        if self._store is not None:
            self._store.close()
        self._store = None
