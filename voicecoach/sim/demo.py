"""The unattended demo: a synthesized person speaks commands into the real recognizer while the
real coach paces, speaks and reacts. Needs no microphone, speaker or internet.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace

from voicecoach.commands import ALWAYS_HEARD, Command
from voicecoach.ears import Heard
from voicecoach.echo.coach_speech import SpeakingSignal
from voicecoach.events import CommandHeard, Snapshot
from voicecoach.ports import View
from voicecoach.routine import Routine
from voicecoach.states import State

RETRY_AFTER_S = 4.0
"""A person who is not answered says it again after a few seconds."""

MAX_ATTEMPTS = 3

QUIET_GAP_S = 1.2
"""Speak only when the current phase has this long left, so the coach's next count does not
start over the command (in gated mode the coach would not hear it, as with a real person)."""

REPLY_GAP_S = 0.4
"""A person answers a beat after the coach's last word, not inside the echo gate's tail."""


@dataclass(frozen=True)
class Step:
    """One thing the demo user says, and when a person would say it."""

    phrase: str
    expect: Command
    state: State
    min_rep: int = 0
    wait_s: float = 0.0
    """Seconds to wait in `state` before speaking (e.g. a pause that lasts a while)."""
    phase: str | None = None
    """Speak only in this phase: the lowering phase is long and its cue comes at its start,
    so its second half is the quiet moment a person would use."""


DEMO_SCRIPT: tuple[Step, ...] = (
    Step("start", Command.START, State.READY, wait_s=1.0),
    Step("pause", Command.PAUSE, State.WORKING, min_rep=2, phase="lower"),
    Step("how many left", Command.HOW_MANY_LEFT, State.PAUSED, wait_s=2.5),
    Step("resume", Command.RESUME, State.PAUSED, wait_s=2.0),
    Step("easier", Command.EASIER, State.WORKING, min_rep=4, phase="lower"),
    Step("stop", Command.STOP, State.WORKING, min_rep=6, phase="lower"),
)
"""Start, pause, how many left, resume, easier, stop: "how many left" is asked while paused, as
a person catching their breath would (mid-rep, the coach's counts leave no gap long enough for
three words, and in gated mode it would not hear them over its own voice). In another language
the user says each command's first phrase of that language (`script_in`)."""

DEMO_VOICES: Mapping[str, tuple[str, int]] = {"en": ("en-us+m3", 160)}
"""The demo user's espeak-ng voice and speed per language; others use the language's own
espeak-ng voice at 175 words a minute (what the Korean phrases were verified with)."""


def script_in(phrases: Mapping[Command, Sequence[str]], name: str | None = None
              ) -> tuple[Step, ...]:
    """The demo script with each step said as its command's first phrase in `phrases`; with a
    `name` (addressed mode) every command but stop and the safety phrases begins with it, as
    the user would say it: "coach, pause"."""

    def said(command: Command) -> str:
        phrase = phrases[command][0]
        return phrase if name is None or command in ALWAYS_HEARD else f"{name}, {phrase}"

    return tuple(replace(step, phrase=said(step.expect)) for step in DEMO_SCRIPT)


def demo_voice(language: str, espeak_voice: str) -> tuple[str, int]:
    """The espeak-ng voice and words per minute of the demo user speaking `language`."""
    return DEMO_VOICES.get(language, (espeak_voice, 175))


def demo_routine(routine: Routine, reps: int = 12) -> Routine:
    """One set of the routine's first exercise, a short count-in: a demo, not a workout."""
    exercise = routine.exercises[0]
    variations = tuple(v.model_copy(update={"reps": reps}) if v.reps else v
                       for v in exercise.variations)
    short = exercise.model_copy(update={"sets": 1, "variations": variations})
    return routine.model_copy(update={"name": f"{routine.name} (demo)", "count_in_s": 3.0,
                                      "exercises": (short,)})


@dataclass
class Attempt:
    """One time the demo user said a step's phrase."""

    step: Step
    said_at_s: float
    heard: CommandHeard | None = None
    heard_at_s: float | None = None


@dataclass
class DemoLog:
    """What was said, heard and done, for the closing summary."""

    script: tuple[Step, ...] = DEMO_SCRIPT
    attempts: list[Attempt] = field(default_factory=list)
    heard: list[tuple[float, CommandHeard]] = field(default_factory=list)
    states: list[tuple[float, State, str]] = field(default_factory=list)
    ignored: list[tuple[float, Heard]] = field(default_factory=list)
    """Speech the ears decoded but did not act on, and why (shown for missed steps)."""

    def step_results(self) -> list[tuple[Step, int, Attempt | None]]:
        """Each step with how many times it was said and the attempt that was heard (if any)."""
        results = []
        for step in self.script:
            tries = [a for a in self.attempts if a.step is step]
            results.append((step, len(tries), next((a for a in tries if a.heard), None)))
        return results

    def ignored_during(self, step: Step) -> list[Heard]:
        """What the ears made of the user's tries at `step` when they did not act on it."""
        tries = [a for a in self.attempts if a.step is step]
        if not tries:
            return []
        first = tries[0].said_at_s
        later = [a.said_at_s for a in self.attempts if a.said_at_s > tries[-1].said_at_s]
        last = min(later, default=float("inf"))
        return [h for at_s, h in self.ignored if first <= at_s < last]

    @property
    def is_all_heard(self) -> bool:
        """Whether every command the user spoke was understood and acted on."""
        return all(hit is not None for _, _, hit in self.step_results())


class Director:
    """Plays the demo user: watches the session like a person would and speaks into the mic.

    It is also the runner's View (forwarding to the real live view), so it sees every snapshot.
    """

    def __init__(self, speak: Callable[[str], float], clock: Callable[[], float],
                 speaking: SpeakingSignal, inner: View, gate_tail_s: float,
                 give_up: Callable[[], None],
                 script: tuple[Step, ...] = DEMO_SCRIPT) -> None:
        """`script`: what the user says (`script_in` words it in the settings' language)."""
        self._speak = speak
        self._give_up = give_up
        self._clock = clock
        self._speaking = speaking
        self._inner = inner
        self._tail_s = gate_tail_s
        self._lock = threading.Lock()
        self._snapshot: Snapshot | None = None
        self._state_since_s = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="demo-user", daemon=True)
        self.log = DemoLog(script)

    # View port ------------------------------------------------------------------------------
    def update(self, snapshot: Snapshot) -> None:
        """Remember the session's state (and when it began), then show it."""
        with self._lock:
            if self._snapshot is None or snapshot.state is not self._snapshot.state:
                self._state_since_s = self._clock()
                self.log.states.append((snapshot.time_s, snapshot.state, snapshot.last_cue or ""))
            self._snapshot = snapshot
        self._inner.update(snapshot)

    def heard(self, event: CommandHeard) -> None:
        """Match what the coach heard to the phrase the user is waiting on."""
        now = self._clock()
        with self._lock:
            self.log.heard.append((now, event))
            pending = self.log.attempts[-1] if self.log.attempts else None
            if pending is not None and pending.heard is None and event.command is pending.step.expect:
                pending.heard, pending.heard_at_s = event, now
        self._inner.heard(event)

    def judged(self, verdict: Heard) -> None:
        """Keep what the ears decoded but ignored (the Listener's on_heard hook)."""
        if verdict.rejected_because is not None and verdict.recognition.text:
            with self._lock:
                self.log.ignored.append((self._clock(), verdict))

    # the user ---------------------------------------------------------------------------------
    def start(self) -> None:
        """Begin watching and speaking."""
        self._thread.start()

    def close(self) -> None:
        """Stop the user (the live view is closed by its owner)."""
        self._stop.set()
        self._thread.join(timeout=5)

    def _run(self) -> None:
        for step in self.log.script:
            while not self._stop.is_set():
                if self._is_time_for(step):
                    attempt = Attempt(step, self._clock())
                    with self._lock:
                        self.log.attempts.append(attempt)
                    length_s = self._speak(step.phrase)
                    if self._wait_heard(attempt, length_s + RETRY_AFTER_S):
                        break
                    tries = sum(a.step is step for a in self.log.attempts)
                    if tries >= MAX_ATTEMPTS:
                        # The rest of the script depends on this step: end the demo (the
                        # summary shows what was missed) rather than wait forever.
                        self._give_up()
                        return
                self._stop.wait(0.05)

    def _is_time_for(self, step: Step) -> bool:
        with self._lock:
            snap, since_s = self._snapshot, self._state_since_s
        now = self._clock()
        if snap is None or snap.state is not step.state or snap.rep < step.min_rep:
            return False
        if step.phase is not None and snap.phase != step.phase:
            return False
        if now - since_s < step.wait_s:
            return False
        is_moving = snap.state is State.WORKING and snap.phase_end_s is not None
        if is_moving and snap.phase_end_s - now < QUIET_GAP_S:  # type: ignore[operator]
            return False
        if step.expect in ALWAYS_HEARD:
            return True  # heard over the coach's voice: a person wanting to stop does not wait
        return not self._speaking.is_gated(time.monotonic(), self._tail_s + REPLY_GAP_S)

    def _wait_heard(self, attempt: Attempt, timeout_s: float) -> bool:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline and not self._stop.is_set():
            if attempt.heard is not None:
                return True
            with self._lock:
                snap = self._snapshot
            if snap is not None and snap.state in (State.FINISHED, State.STOPPED):
                return attempt.heard is not None
            self._stop.wait(0.05)
        return attempt.heard is not None
