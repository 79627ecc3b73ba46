"""A workout in a child process for the crash tests: the real session, runner and recorder.

Time is a fake clock slowed to `--event-delay` seconds per event, so a test can kill the
process mid-set. Prints one line per saved set (`saved EXERCISE SET`) and per event
(`at STATE EXERCISE SET REP`), flushed, so the test knows where the workout is.
Usage: python -m tests.resume_driver HISTORY.sqlite3 [--resume] [--event-delay S]
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Mapping
from pathlib import Path

from tests.history_fixtures import make_routine, run_workout
from voicecoach.events import CommandHeard, Event
from voicecoach.history import SET_DONE, HistoryRecorder
from voicecoach.session import Session, StartAt


def say(text: str) -> None:
    print(text, flush=True)


class TracingRecorder:
    """The real recorder, announcing each set once it is committed."""

    def __init__(self, recorder: HistoryRecorder) -> None:
        self._recorder = recorder

    def record(self, kind: str, data: Mapping[str, object]) -> None:
        self._recorder.record(kind, data)
        if kind == SET_DONE:
            say(f"saved {data['exercise']} {data['set']}")

    def heard(self, event: CommandHeard) -> None:
        self._recorder.heard(event)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("history", type=Path)
    parser.add_argument("--resume", action="store_true")
    parser.add_argument("--event-delay", type=float, default=0.01)
    args = parser.parse_args()
    routine = make_routine()
    recorder, point = HistoryRecorder.open(args.history, routine, "test-core.yaml",
                                           lambda text: say(f"warn {text}"), resume=args.resume)
    start = None
    if point is not None:
        say(f"resume {point.exercise_index} {point.set_number} {point.variation_id}")
        start = StartAt(point.exercise_index, point.set_number, point.variation_id)

    def slowly(event: Event, session: Session) -> None:
        snap = session.snapshot()
        say(f"at {snap.state.value} {snap.exercise} {snap.set} {snap.rep}")
        time.sleep(args.event_delay)

    reason = "unfinished"
    try:
        reason = run_workout(routine, TracingRecorder(recorder), on_event=slowly, start=start)
    finally:
        recorder.close()
        say(f"end {reason}")
    return 130 if reason == "stopped" else 0


if __name__ == "__main__":
    sys.exit(main())
