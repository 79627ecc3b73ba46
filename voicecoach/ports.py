"""The small interfaces the runner depends on; real adapters and test fakes both implement them."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Protocol

from voicecoach.events import CommandHeard, Cue, Earcon, Event, PhaseDue, Snapshot
from voicecoach.states import State

Post = Callable[[Event], None]
"""Puts an event on the runner's queue; the only thing adapters may do from their threads."""


class Voice(Protocol):
    """Turns cues into sound (or text); posts SpeechStarted/SpeechFinished through `post`."""

    def say(self, cue: Cue) -> None:
        """Queue a cue under the priority policy of its kind; returns at once."""

    def earcon(self, earcon: Earcon) -> None:
        """Play a short tone; returns at once."""

    def set_volume(self, level: float) -> None:
        """Play at `level` (linear gain, 0..1) from now on, cues already queued or playing too."""

    def close(self) -> None:
        """Stop playing and release the device."""


class CueTimer(Protocol):
    """Knows how long a cue takes to say, so the engine can fit cues into phases."""

    def duration_s(self, text: str) -> float:
        """Measured duration of the rendered cue, or an estimate when it was never rendered."""


class Ears(Protocol):
    """Turns the microphone (or keyboard) into CommandHeard events posted through `post`."""

    def start(self, post: Post) -> None:
        """Begin listening on a thread of its own."""

    def listen_for(self, state: State) -> None:
        """Restrict what is heard to the commands that mean something in `state`."""

    def close(self) -> None:
        """Stop listening and release the device."""


class Pacer(Protocol):
    """Schedules PhaseDue events on a clock; jobs only post, never speak or block."""

    def start(self, post: Post) -> None:
        """Start the clock at session time 0."""

    def now_s(self) -> float:
        """Seconds since start, on the pacer's clock."""

    def schedule(self, event: PhaseDue, at_s: float) -> None:
        """Post `event` when the clock reaches `at_s`."""

    def cancel_all(self) -> None:
        """Drop every event that has not fired yet."""

    def close(self) -> None:
        """Stop the clock's threads."""


class Recorder(Protocol):
    """Keeps workout history: every Record action's kind and data, and every command heard."""

    def record(self, kind: str, data: Mapping[str, object]) -> None:
        """Store one record; must be quick and never raise (it runs on the runner's loop)."""

    def heard(self, event: CommandHeard) -> None:
        """A command was heard (or typed), before the session handles it."""


class View(Protocol):
    """Shows the session live; gets a snapshot after every event."""

    def update(self, snapshot: Snapshot) -> None:
        """Redraw from `snapshot`; must be quick (it runs on the runner's loop)."""

    def heard(self, event: CommandHeard) -> None:
        """A command was heard (or typed), before the session handles it."""
