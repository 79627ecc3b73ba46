"""Pacing clocks behind `ports.Pacer`: APScheduler for real workouts, a fake clock for simulation.

Both take absolute session times (seconds since start, all from one anchor) so lateness never
accumulates into drift. Jobs only post events; the runner's loop does everything else.
"""

from __future__ import annotations

import heapq
import itertools
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from voicecoach.events import Event, PhaseDue
from voicecoach.ports import Post

MISFIRE_GRACE_TIME: int | None = None
"""APScheduler drops a job later than this (default 1 s), silently. Every PhaseDue is a link
in the workout's chain (each one schedules the next), so a dropped one would freeze the
workout: never drop; a late phase is still counted, and the next ones keep the plan's times."""


class SchedulerPacer:
    """A Pacer on APScheduler's BackgroundScheduler with one worker thread (keeps order)."""

    def __init__(self, clock: Callable[[], float] = time.monotonic, say_ahead_s: float = 0.0) -> None:
        self._clock = clock
        self.say_ahead_s = say_ahead_s
        """Post each event this much before its time: a cue said then is heard on time through a
        speaker whose buffer is this long (voice.factory.say_ahead_s). The session plans from the
        time an event was due, never from when it arrived, so the plan is unchanged."""
        self._origin_s = 0.0
        self._post: Post | None = None
        self._lock = threading.Lock()
        self._scheduler: Any = None

    def start(self, post: Post) -> None:
        """Start the scheduler; session time 0 is now."""
        from apscheduler.executors.pool import ThreadPoolExecutor
        from apscheduler.schedulers.background import BackgroundScheduler

        self._post = post
        self._scheduler = BackgroundScheduler(
            executors={"default": ThreadPoolExecutor(1)},
            job_defaults={"misfire_grace_time": MISFIRE_GRACE_TIME, "coalesce": False,
                          "max_instances": 1},
            timezone=UTC,
        )
        self._origin_s = self._clock()
        self._scheduler.start()

    def now_s(self) -> float:
        """Seconds since start on the injected (monotonic) clock."""
        return self._clock() - self._origin_s

    def schedule(self, event: PhaseDue, at_s: float) -> None:
        """Post `event` say_ahead_s before session time `at_s` (immediately if that has passed)."""
        if self._scheduler is None or self._post is None:
            raise RuntimeError("start the pacer before scheduling")
        # APScheduler runs on the wall clock: convert at the last moment, so a wall-clock
        # step between two schedules cannot shift the plan, which lives on the monotonic clock.
        run_at = datetime.now(UTC) + timedelta(seconds=at_s - self.say_ahead_s - self.now_s())
        with self._lock:
            self._scheduler.add_job(self._post, "date", run_date=run_at, args=[event],
                                    id=f"due-{event.token}")

    def cancel_all(self) -> None:
        """Remove every job not yet run."""
        if self._scheduler is not None:
            with self._lock:
                self._scheduler.remove_all_jobs()

    def close(self) -> None:
        """Stop the scheduler thread without waiting for jobs (they only post)."""
        if self._scheduler is not None and self._scheduler.running:
            # Removing the jobs first waits out a job being handed to the executor: shutting
            # down in that moment makes APScheduler's thread die with JobLookupError.
            self._scheduler.remove_all_jobs()
            self._scheduler.shutdown(wait=False)
        self._scheduler = None


class FakePacer:
    """A Pacer on a fake clock: `run()` delivers events in time order, as fast as possible.

    Events scheduled by the session can be cancelled; `inject` adds outside events (a script's
    commands) that cancel_all leaves alone. Ties keep the order they were added in.
    """

    def __init__(self) -> None:
        self._now_s = 0.0
        self._queue: list[tuple[float, int, bool, Event]] = []
        self._order = itertools.count()
        self._cancelled_before = 0
        self._post: Post | None = None
        self._is_running = False

    def start(self, post: Post) -> None:
        """Set where events go; the clock starts at 0."""
        self._post = post

    def now_s(self) -> float:
        """The fake clock's time."""
        return self._now_s

    def schedule(self, event: PhaseDue, at_s: float) -> None:
        """Deliver `event` at `at_s` (or now, if that has passed) unless cancelled first."""
        heapq.heappush(self._queue, (max(at_s, self._now_s), next(self._order), True, event))

    def inject(self, event: Event, at_s: float) -> None:
        """Deliver an outside event at `at_s`; not affected by cancel_all."""
        heapq.heappush(self._queue, (max(at_s, self._now_s), next(self._order), False, event))

    def cancel_all(self) -> None:
        """Drop every scheduled (not injected) event added so far."""
        self._cancelled_before = next(self._order)

    def run(self, until_s: float = float("inf")) -> None:
        """Advance the clock event by event, posting each, until none is left, `until_s`
        is reached, or `close` is called."""
        assert self._post is not None, "start the pacer before running it"
        self._is_running = True
        while self._is_running and self._queue and self._queue[0][0] <= until_s:
            at_s, order, is_cancellable, event = heapq.heappop(self._queue)
            if is_cancellable and order < self._cancelled_before:
                continue
            self._now_s = at_s
            self._post(event)
        if self._is_running and until_s != float("inf"):
            self._now_s = max(self._now_s, until_s)

    def close(self) -> None:
        """Make `run` return after the event being delivered."""
        self._is_running = False
