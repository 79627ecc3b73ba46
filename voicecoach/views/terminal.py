"""The terminal view of a workout: a rich Live panel on a terminal, plain lines anywhere else."""

from __future__ import annotations

import math
import sys
from array import array
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import IO, Protocol

from rich.console import Console, Group, RenderableType
from rich.panel import Panel
from rich.progress_bar import ProgressBar
from rich.table import Table
from rich.text import Text

from voicecoach.commands import STATE_GRAMMAR, Command
from voicecoach.ears import KEYS_HINT, Heard
from voicecoach.ears.gate import REFUSALS
from voicecoach.events import CommandHeard, Snapshot
from voicecoach.routine import Routine
from voicecoach.session.volume import level_db
from voicecoach.states import State

SILENCE_DBFS = -60.0
"""The bottom of the microphone meter: room noise sits below this, speech well above."""

REFRESH_PER_S = 8
"""Often enough for a smooth phase bar, rare enough to cost nothing on two cores."""

BAR_WIDTH = 30


@dataclass(frozen=True)
class Frame:
    """What the view shows: the session's snapshot with display names."""

    state: State = State.READY
    routine: str = ""
    exercise: str = ""
    variation: str = ""
    set_number: int = 0
    sets: int = 0
    rep: int = 0
    reps: int | None = None
    phase: str | None = None
    phase_start_s: float | None = None
    phase_end_s: float | None = None
    block_end_s: float | None = None
    """When the count-in or rest ends, for the countdown."""
    last_cue: str = ""
    volume: float = 1.0
    volume_command: Command | None = None
    """LOUDER or QUIETER when that is the command just handled."""

    @classmethod
    def of(cls, snapshot: Snapshot, routine: Routine | None = None) -> Frame:
        """Read a snapshot; ids become names from `routine`."""
        exercise_name, variation_name = _names(routine, snapshot.exercise, snapshot.variation)
        return cls(
            state=snapshot.state, routine=routine.name if routine else "",
            exercise=exercise_name, variation=variation_name,
            set_number=snapshot.set, sets=snapshot.sets, rep=snapshot.rep, reps=snapshot.reps,
            phase=snapshot.phase, phase_start_s=snapshot.phase_start_s,
            phase_end_s=snapshot.phase_end_s, block_end_s=snapshot.block_end_s,
            last_cue=snapshot.last_cue or "",
            volume=snapshot.volume,
            volume_command=_volume_command(snapshot),
        )

    @property
    def position(self) -> str:
        """`Leg lifts · Straight leg · set 2/3 · rep 4/10`, leaving out what is not known."""
        parts = [p for p in (self.exercise, self.variation) if p]
        if self.sets:
            parts.append(f"set {self.set_number}/{self.sets}")
        if self.reps and self.rep:
            parts.append(f"rep {self.rep}/{self.reps}")
        return " · ".join(parts)


_COUNTDOWN_STATES = (State.COUNT_IN, State.REST)

_VOLUME_COMMANDS = {Command.LOUDER.value: Command.LOUDER, Command.QUIETER.value: Command.QUIETER}


def _volume_command(snapshot: Snapshot) -> Command | None:
    return _VOLUME_COMMANDS.get(snapshot.detail or "") if snapshot.event == "command" else None


def volume_text(level: float) -> str:
    """`71% (-3 dB)`: the share of full scale the coach plays at, and the same in decibels."""
    return f"{level:.0%} ({level_db(level):.0f} dB)" if level > 0 else "off"


def _names(routine: Routine | None, exercise_id: str | None,
           variation_id: str | None) -> tuple[str, str]:
    """Display names for the snapshot's ids (the ids themselves when the routine lacks them)."""
    exercise = next((e for e in routine.exercises if e.id == exercise_id), None) if routine else None
    variation = next((v for v in exercise.variations if v.id == variation_id),
                     None) if exercise else None
    return (exercise.name if exercise else exercise_id or "",
            variation.name if variation else variation_id or "")


def mic_level_of(pcm: bytes) -> float:
    """Meter position 0..1 for a block of 16-bit mono PCM: its RMS on a -60..0 dBFS scale."""
    samples = array("h", pcm[: len(pcm) // 2 * 2])
    if not samples:
        return 0.0
    rms = math.sqrt(sum(s * s for s in samples) / len(samples)) / 32768
    dbfs = 20 * math.log10(rms) if rms > 0 else SILENCE_DBFS
    return min(max(1 - dbfs / SILENCE_DBFS, 0.0), 1.0)


def say_hint(state: State, phrases: Mapping[Command, Iterable[str]] | None = None) -> str:
    """What can be said now: the first phrase of each command the state listens for."""
    def first_phrase(command: Command) -> str:
        pool = list((phrases or {}).get(command, ()))
        return pool[0] if pool else command.value.replace("_", " ")

    words = [first_phrase(c) for c in Command if c in STATE_GRAMMAR[state]]
    return "say: " + " · ".join(f'"{w}"' for w in words)


def _clock_text(seconds: float) -> str:
    seconds = max(0, round(seconds))
    return f"{seconds // 60}:{seconds % 60:02d}"


def render(frame: Frame, now_s: float, heard: str, level: float, hint: str) -> RenderableType:
    """The panel for one moment: pure, so tests can render it to text."""
    grid = Table.grid(padding=(0, 1))
    grid.add_column(style="bold cyan", justify="right", no_wrap=True)
    grid.add_column()
    grid.add_row("now", Text(frame.position or "-", style="bold"))
    if frame.state in _COUNTDOWN_STATES and frame.block_end_s is not None:
        label = "rest" if frame.state is State.REST else "get ready"
        grid.add_row(label, Text(_clock_text(frame.block_end_s - now_s), style="bold green"))
    elif frame.phase and frame.phase_start_s is not None and frame.phase_end_s is not None:
        length_s = max(frame.phase_end_s - frame.phase_start_s, 1e-6)
        done_s = min(max(now_s - frame.phase_start_s, 0.0), length_s)
        if frame.state is State.PAUSED:
            done_s = 0.0
        bar = Table.grid(padding=(0, 1))
        bar.add_row(Text(frame.phase.upper(), style="bold yellow"),
                    ProgressBar(total=length_s, completed=done_s, width=BAR_WIDTH),
                    Text(f"{length_s - done_s:.1f} s"))
        grid.add_row("phase", bar)
    grid.add_row("coach", Text(frame.last_cue or "-", style="italic"))
    grid.add_row("heard", Text(heard or "-"))
    meter = ProgressBar(total=1.0, completed=min(max(level, 0.0), 1.0), width=BAR_WIDTH // 2,
                        complete_style="green")
    grid.add_row("mic", meter)
    grid.add_row("volume", Text(volume_text(frame.volume)))
    footer = Group(Text(hint, style="dim", no_wrap=True, overflow="ellipsis"),
                   Text(f"keys: {KEYS_HINT}", style="dim"))
    title = frame.routine or "voicecoach"
    return Panel(Group(grid, footer), title=title, subtitle=frame.state.value.replace("_", " "),
                 expand=False)


class TerminalView(Protocol):
    """What `voicecoach run` shows the workout on (the runner's View port, and more)."""

    def update(self, snapshot: Snapshot) -> None:
        """The session handled an event (runner's loop)."""

    def heard(self, event: CommandHeard) -> None:
        """A command was heard or a key pressed (runner's loop)."""

    def mic_level(self, level: float) -> None:
        """Microphone input level, 0..1 (any thread: it only stores a number)."""

    def notice(self, text: str) -> None:
        """A message that is not a cue: history off, suggestions, where a resume begins."""

    def close(self) -> None:
        """Leave the terminal as it was."""


def voice_refusal(heard: Heard) -> str | None:
    """A line for the view when the voice lock or the addressed mode refused a command (None for
    anything else), so the user sees why a "pause" went unanswered."""
    reason = heard.rejected_because
    if reason is None or not reason.startswith(REFUSALS):
        return None
    return f"refused {heard.recognition.text!r}: {reason}"


def _heard_text(event: CommandHeard) -> str:
    return f"{event.text or event.command.value} ({event.confidence:.2f})"


class LiveView:
    """A panel redrawn several times a second on a terminal (rich Live)."""

    def __init__(self, console: Console, clock: Callable[[], float], routine: Routine | None = None,
                 phrases: Mapping[Command, Iterable[str]] | None = None) -> None:
        from rich.live import Live

        self._console = console
        self._clock = clock
        self._routine = routine
        self._phrases = phrases
        self._frame = Frame(routine=routine.name if routine else "")
        self._heard = ""
        self._level = 0.0
        self._live = Live(console=console, get_renderable=self._render,
                          refresh_per_second=REFRESH_PER_S, transient=False)
        self._live.start()

    def _render(self) -> RenderableType:
        frame = self._frame  # one read: the runner may swap it while we draw
        return render(frame, self._clock(), self._heard, self._level,
                      say_hint(frame.state, self._phrases))

    def update(self, snapshot: Snapshot) -> None:
        self._frame = Frame.of(snapshot, self._routine)

    def heard(self, event: CommandHeard) -> None:
        self._heard = _heard_text(event)

    def mic_level(self, level: float) -> None:
        self._level = level

    def notice(self, text: str) -> None:
        self._console.print(text)

    def close(self) -> None:
        self._live.stop()


class PlainView:
    """One line per state change, set, cue and command: for pipes, files and logs."""

    def __init__(self, stream: IO[str], routine: Routine | None = None,
                 has_cue_lines: bool = True) -> None:
        self._stream = stream
        self._routine = routine
        self._has_cue_lines = has_cue_lines
        """False when the voice prints every cue itself (no speaker): no line twice."""
        self._shown: Frame | None = None

    def _line(self, text: str) -> None:
        print(text, file=self._stream, flush=True)

    def update(self, snapshot: Snapshot) -> None:
        frame, before = Frame.of(snapshot, self._routine), self._shown
        where = (frame.state, frame.exercise, frame.variation, frame.set_number)
        if before is None or where != (before.state, before.exercise, before.variation,
                                       before.set_number):
            self._line(f"[{frame.state.value}] {frame.position}".rstrip())
        if self._has_cue_lines and frame.last_cue and (
                before is None or frame.last_cue != before.last_cue):
            self._line(f"coach: {frame.last_cue}")
        if frame.volume_command is not None:
            self._line(f"volume: {volume_text(frame.volume)}{_unmoved(frame, before)}")
        self._shown = frame

    def heard(self, event: CommandHeard) -> None:
        self._line(f"heard: {_heard_text(event)}")

    def mic_level(self, level: float) -> None:
        """Not shown: a level is only meaningful as it moves."""

    def notice(self, text: str) -> None:
        self._line(text)

    def close(self) -> None:
        self._stream.flush()


def _unmoved(frame: Frame, before: Frame | None) -> str:
    """Why a "louder" or "quieter" left the volume where it was: it is at an end of its range."""
    if before is None or frame.volume != before.volume:
        return ""
    return ", as loud as it goes" if frame.volume_command is Command.LOUDER else (
        ", as quiet as it goes")


class QuietView:
    """--quiet: nothing on screen but notices, on stderr."""

    def update(self, snapshot: Snapshot) -> None:
        """Nothing shown."""

    def heard(self, event: CommandHeard) -> None:
        """Nothing shown."""

    def mic_level(self, level: float) -> None:
        """Nothing shown."""

    def notice(self, text: str) -> None:
        print(text, file=sys.stderr, flush=True)

    def close(self) -> None:
        """Nothing to restore."""


def open_view(clock: Callable[[], float], routine: Routine | None = None, is_quiet: bool = False,
              stream: IO[str] | None = None,
              phrases: Mapping[Command, Iterable[str]] | None = None,
              has_cue_lines: bool = True) -> TerminalView:
    """The live panel on a terminal, plain lines when output is piped, nothing with --quiet.

    `has_cue_lines=False` leaves cues out of plain lines, for a voice that prints them itself.
    """
    stream = sys.stdout if stream is None else stream
    if is_quiet:
        return QuietView()
    if not _is_terminal(stream):
        return PlainView(stream, routine, has_cue_lines)
    return LiveView(Console(file=stream), clock, routine, phrases)


def _is_terminal(stream: IO[str]) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):  # closed or file-like objects without isatty
        return False
