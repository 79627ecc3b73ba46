"""Frozen events into the session and actions out of it: the whole vocabulary of the engine."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import IntEnum, StrEnum

from voicecoach.commands import Command
from voicecoach.routine import Phase
from voicecoach.states import State

CUE_GAP_S = 0.15
"""Silence between two cues said back to back: the session fits cues into phases with it and the
mixer leaves it between sounds, so what is planned is what is heard."""


class CueKind(IntEnum):
    """What a cue is for; lower value = more urgent. The player's queue policy keys off this."""

    SAFETY = 0
    """Interrupts anything playing and drops the counts, info and form cues waiting (the set is
    abandoned); never dropped itself."""
    ACK = 1
    """Answer to a command: interrupts anything but safety."""
    COUNT = 2
    """Rep counts and countdowns: never dropped, played in order."""
    INFO = 3
    """Set starts, "next up", rest announcements: played in order, not dropped."""
    FORM = 4
    """Form reminders: dropped rather than played late."""


@dataclass(frozen=True)
class Cue:
    """One thing the coach says."""

    text: str
    kind: CueKind = CueKind.INFO


class Earcon(StrEnum):
    """Short generated tones that say something without words."""

    UNDERSTOOD = "understood"
    NOT_UNDERSTOOD = "not_understood"
    SET_DONE = "set_done"
    VOLUME = "volume"
    """Played at the new volume, so the user hears how loud the coach now is."""
    VOLUME_LIMIT = "volume_limit"
    """The volume is already as loud (or as quiet) as it goes."""


# ---- events (into Session.handle) -------------------------------------------------------


@dataclass(frozen=True)
class CommandHeard:
    """The user said (or typed) a command."""

    command: Command
    text: str = ""
    confidence: float = 1.0


class Mark(StrEnum):
    """What kind of scheduled moment a PhaseDue is (its value names it in the timeline)."""

    PHASE = "phase"
    """A rep phase begins (`rep`, `phase` say which)."""
    COUNTDOWN = "countdown"
    """A countdown step: `seconds_left` of a count-in, rest or hold remain."""
    HALFWAY = "halfway"
    """Halfway through a hold."""
    FORM = "form"
    """A moment for a form cue during a hold."""
    END = "end"
    """The current block (count-in, rest, the set's last phase, one side of a hold) is over."""


@dataclass(frozen=True)
class PhaseDue:
    """A scheduled moment has come: a rep phase onset, a countdown step or the end of a block."""

    token: int
    rep: int = 0
    phase: Phase | None = None
    mark: Mark = Mark.PHASE
    seconds_left: float = 0.0


@dataclass(frozen=True)
class SpeechStarted:
    """The player started sending a cue's audio to the speaker."""

    text: str


@dataclass(frozen=True)
class SpeechFinished:
    """The player finished (or was interrupted while) sending a cue's audio."""

    text: str


@dataclass(frozen=True)
class MicrophoneLost:
    """The input device disappeared mid-workout."""


@dataclass(frozen=True)
class MicrophoneBack:
    """The input device came back."""


Event = CommandHeard | PhaseDue | SpeechStarted | SpeechFinished | MicrophoneLost | MicrophoneBack


# ---- actions (out of Session.handle) ----------------------------------------------------


@dataclass(frozen=True)
class Say:
    """Speak a cue now (the player applies the priority policy of its kind)."""

    cue: Cue


@dataclass(frozen=True)
class PlayEarcon:
    """Play a short tone."""

    earcon: Earcon


@dataclass(frozen=True)
class SetVolume:
    """Play everything from now on at `level` (a linear gain, 0..1), cues already queued too."""

    level: float


@dataclass(frozen=True)
class Schedule:
    """Post `event` back to the session at session time `at_s` (absolute, from one anchor)."""

    event: PhaseDue
    at_s: float


@dataclass(frozen=True)
class CancelPending:
    """Drop every scheduled event that has not fired yet."""


@dataclass(frozen=True)
class Record:
    """Something worth keeping in history (set finished, safety stop, easier/harder, pause...)."""

    kind: str
    data: dict[str, object] = field(default_factory=dict)


@dataclass(frozen=True)
class Finish:
    """The session is over (finished or stopped); the runner shuts down cleanly."""

    reason: str


Action = Say | PlayEarcon | SetVolume | Schedule | CancelPending | Record | Finish


# ---- what the session looks like (for the live view and the timeline) -----------------------


@dataclass(frozen=True)
class Snapshot:
    """The session after its latest event: everything a live view or a timeline line shows."""

    time_s: float
    event: str
    """The event just handled: a Mark value, `command`, `speech`, `microphone` or `none`."""
    detail: str | None
    """The command's value for `command`, seconds left for `countdown`, else None."""
    state: State
    exercise: str | None
    variation: str | None
    set: int
    sets: int
    rep: int
    reps: int | None
    phase: str | None
    """A Phase value, `hold` during a hold, or None between sets."""
    phase_start_s: float | None
    phase_end_s: float | None
    tempo: str | None
    last_cue: str | None
    block_end_s: float | None = None
    """When the count-in or rest under way ends (None in other states)."""
    volume: float = 1.0
    """The coach's volume (linear gain, 0..1), as "louder" and "quieter" left it."""
