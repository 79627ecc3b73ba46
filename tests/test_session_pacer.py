"""Pacers: the fake clock's ordering and cancelling, and the real APScheduler adapter."""

from __future__ import annotations

import queue
import time

import pytest

from voicecoach.commands import Command
from voicecoach.events import CommandHeard, Event, Mark, PhaseDue
from voicecoach.session.pacer import MISFIRE_GRACE_TIME, FakePacer, SchedulerPacer

pytestmark = pytest.mark.realtime  # APScheduler on the real clock


def due(token: int) -> PhaseDue:
    return PhaseDue(token, mark=Mark.COUNTDOWN)


def run_fake(schedule: list[tuple[float, Event, bool]], until_s: float = float("inf"),
             cancel_at: float | None = None) -> list[tuple[float, Event]]:
    pacer = FakePacer()
    got: list[tuple[float, Event]] = []
    pacer.start(lambda event: got.append((pacer.now_s(), event)))
    for at_s, event, is_injected in schedule:
        if is_injected:
            pacer.inject(event, at_s)
        else:
            pacer.schedule(event, at_s)  # type: ignore[arg-type]
    if cancel_at is not None:
        pacer.run(until_s=cancel_at)
        pacer.cancel_all()
    pacer.run(until_s)
    return got


def test_fake_pacer_delivers_in_time_order_with_ties_in_insertion_order() -> None:
    got = run_fake([(2.0, due(1), False), (1.0, due(2), False), (1.0, due(3), False)])
    assert got == [(1.0, due(2)), (1.0, due(3)), (2.0, due(1))]


def test_fake_pacer_cancel_drops_scheduled_but_not_injected_events() -> None:
    stop = CommandHeard(Command.STOP)
    got = run_fake([(1.0, due(1), False), (5.0, due(2), False), (6.0, stop, True)],
                   cancel_at=2.0)
    assert got == [(1.0, due(1)), (6.0, stop)]


def test_fake_pacer_runs_until_a_time_and_delivers_the_past_now() -> None:
    pacer = FakePacer()
    got: list[tuple[float, Event]] = []
    pacer.start(lambda event: got.append((pacer.now_s(), event)))
    pacer.schedule(due(1), 4.0)
    pacer.run(until_s=3.0)
    assert got == [] and pacer.now_s() == 3.0
    pacer.schedule(due(2), 1.0)  # already past: delivered at once, never back in time
    pacer.run()
    assert got == [(3.0, due(2)), (4.0, due(1))]


def test_fake_pacer_close_stops_the_run() -> None:
    pacer = FakePacer()
    got: list[Event] = []

    def post(event: Event) -> None:
        got.append(event)
        pacer.close()

    pacer.start(post)
    pacer.schedule(due(1), 1.0)
    pacer.schedule(due(2), 2.0)
    pacer.run()
    assert got == [due(1)]


def test_misfire_grace_is_deliberately_unlimited() -> None:
    assert MISFIRE_GRACE_TIME is None  # a dropped PhaseDue would freeze the workout


class StepClock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_scheduler_pacer_reads_the_injected_clock() -> None:
    clock = StepClock()
    pacer = SchedulerPacer(clock)
    pacer.start(lambda event: None)
    try:
        clock.now += 12.5
        assert pacer.now_s() == 12.5
    finally:
        pacer.close()


def test_scheduler_pacer_posts_in_order_from_its_job_thread() -> None:
    inbox: queue.Queue[Event] = queue.Queue()
    pacer = SchedulerPacer()
    pacer.start(inbox.put)
    try:
        now = pacer.now_s()
        for token, offset in ((3, 0.15), (1, 0.05), (2, 0.10)):
            pacer.schedule(due(token), now + offset)
        got = [inbox.get(timeout=5).token for _ in range(3)]  # type: ignore[attr-defined]
        assert got == [1, 2, 3]
        assert pacer.now_s() >= now + 0.15
    finally:
        pacer.close()


def test_scheduler_pacer_posts_say_ahead_s_before_the_time() -> None:
    """A speaker with a buffer hears a cue that long after it is said: the event comes early.
    The margin (2.9 s early, checked only as "before its time") leaves room for a busy machine."""
    inbox: queue.Queue[Event] = queue.Queue()
    pacer = SchedulerPacer(say_ahead_s=2.9)
    pacer.start(inbox.put)
    try:
        due_s = pacer.now_s() + 3.0
        pacer.schedule(due(4), due_s)
        assert inbox.get(timeout=5) == due(4)
        assert pacer.now_s() < due_s
    finally:
        pacer.close()


def test_scheduler_pacer_cancel_all_removes_pending_jobs() -> None:
    inbox: queue.Queue[Event] = queue.Queue()
    pacer = SchedulerPacer()
    pacer.start(inbox.put)
    try:
        pacer.schedule(due(1), pacer.now_s() + 0.2)
        pacer.cancel_all()
        pacer.schedule(due(2), pacer.now_s() + 0.25)
        assert inbox.get(timeout=5) == due(2)
        time.sleep(0.1)
        assert inbox.empty()
    finally:
        pacer.close()


def test_scheduler_pacer_still_delivers_an_event_long_overdue() -> None:
    inbox: queue.Queue[Event] = queue.Queue()
    pacer = SchedulerPacer()
    pacer.start(inbox.put)
    try:
        pacer.schedule(due(7), pacer.now_s() - 5.0)  # APScheduler's default grace would drop it
        assert inbox.get(timeout=5) == due(7)
    finally:
        pacer.close()


def test_scheduler_pacer_refuses_to_schedule_before_start() -> None:
    with pytest.raises(RuntimeError, match="start"):
        SchedulerPacer().schedule(due(1), 1.0)
