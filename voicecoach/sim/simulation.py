"""Headless workouts: the real session and runner on a fake clock, as fast as possible.

A simulation reads scripted commands (`12.5 pause`) and returns a timeline: one record per
event, cue, earcon and history record, with the session's state after it. `voicecoach render`
and the end-to-end tests read that timeline; its JSONL format (views/timeline.py) is documented in the README.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from voicecoach.commands import Command, normalize
from voicecoach.ears import parse_typed_command
from voicecoach.errors import FileProblemsError, Problem, UsageError
from voicecoach.events import CUE_GAP_S, CommandHeard, Cue, CueKind, Earcon, Event, Snapshot
from voicecoach.files import Settings, Verbosity
from voicecoach.history import WorkoutSummary
from voicecoach.ports import CueTimer, Recorder
from voicecoach.routine import Routine
from voicecoach.session import EstimatedCueTimer, FakePacer, Runner, Session, StartAt, wording_for
from voicecoach.views import TimelineRecord

FORM_LATE_S = 0.3
"""A form cue that would start later than this behind its moment is dropped, as the player does."""


@dataclass(frozen=True)
class SimulationParams:
    """What a simulation needs from the settings."""

    phrases: Mapping[Command, tuple[str, ...]]
    verbosity: Verbosity = Verbosity.NORMAL
    rate_wpm: float = 165.0
    language: str = "en"
    """The language tag the coach speaks (`voice.language`)."""

    @classmethod
    def from_settings(cls, settings: Settings,
                      verbosity: Verbosity | None = None) -> SimulationParams:
        """The parameters a user's settings give (verbosity can be overridden)."""
        return cls(settings.commands, verbosity or settings.coaching.verbosity,
                   settings.voice.rate_wpm, settings.voice.language)


class Timeline:
    """Collects records: the runner's view (events), recorder (history) and the voice's cues."""

    def __init__(self, clock: Callable[[], float], recorder: Recorder | None = None) -> None:
        self.records: list[TimelineRecord] = []
        self._clock = clock
        self._recorder = recorder
        """Where history records go too (a simulation can be saved like a workout)."""
        self._last: Snapshot | None = None

    def update(self, snapshot: Snapshot) -> None:
        """View port: one record per handled event."""
        self._last = snapshot
        self._add(snapshot.time_s, snapshot.event, snapshot.detail)

    def record(self, kind: str, data: Mapping[str, object]) -> None:
        """Recorder port: history records go into the timeline too."""
        self._add(self._clock(), "record", kind, data=dict(data))
        if self._recorder is not None:
            self._recorder.record(kind, data)

    def heard(self, event: CommandHeard) -> None:
        """Recorder and View port: commands are already `command` records."""
        if self._recorder is not None:
            self._recorder.heard(event)

    def cue(self, cue: Cue, at_s: float, duration_s: float) -> int:
        """A cue starts being spoken at `at_s`; returns its index so the voice can move it
        if an answer cuts in before it starts."""
        self._add(at_s, "cue", None, text=cue.text, kind=cue.kind, duration_s=round(duration_s, 3))
        return len(self.records) - 1

    def dropped(self, cue: Cue, at_s: float) -> None:
        """A form cue the voice dropped rather than say it late."""
        self._add(at_s, "dropped", cue.text, kind=cue.kind)

    def move(self, index: int, at_s: float) -> None:
        """A queued cue starts later than first placed."""
        self.records[index] = replace(self.records[index], time_s=round(at_s, 6))

    def earcon(self, earcon: Earcon, at_s: float) -> None:
        """A tone played at `at_s`."""
        self._add(at_s, "earcon", earcon.value)

    def finish(self, reason: str, at_s: float) -> None:
        """The last record: how the workout ended."""
        self._add(at_s, "finish", reason)

    def _add(self, time_s: float, event: str, detail: str | None, **extra: Any) -> None:
        s = self._last
        self.records.append(TimelineRecord(
            time_s=round(time_s, 6), event=event, detail=detail,
            state=s.state.value if s else "ready",
            exercise=s.exercise if s else None, variation=s.variation if s else None,
            set=s.set if s else 0, rep=s.rep if s else 0, phase=s.phase if s else None,
            **extra))


class SimulatedVoice:
    """A Voice on the fake clock that speaks like the player: one cue at a time in order,
    answers and safety cutting in (queued cues wait behind them), late form cues dropped."""

    def __init__(self, timer: CueTimer, clock: Callable[[], float], timeline: Timeline) -> None:
        self._timer = timer
        self._clock = clock
        self._timeline = timeline
        self._busy_until_s = 0.0
        self._queued: list[tuple[int, float, float]] = []
        """(timeline index, start, duration) of cues placed but not started yet."""

    def say(self, cue: Cue) -> None:
        """Place the cue on the timeline where the player would start it."""
        now_s, duration_s = self._clock(), self._timer.duration_s(cue.text)
        self._queued = [q for q in self._queued if q[1] > now_s]
        if cue.kind in (CueKind.SAFETY, CueKind.ACK):
            self._timeline.cue(cue, now_s, duration_s)
            next_s = now_s + duration_s
            for place, (index, _, queued_s) in enumerate(self._queued):
                start_s = next_s + CUE_GAP_S
                self._timeline.move(index, start_s)
                self._queued[place] = (index, start_s, queued_s)
                next_s = start_s + queued_s
            self._busy_until_s = next_s
            return
        start_s = max(now_s, self._busy_until_s + CUE_GAP_S) if self._busy_until_s > now_s else now_s
        if cue.kind is CueKind.FORM and start_s - now_s > FORM_LATE_S:
            self._timeline.dropped(cue, now_s)
            return
        index = self._timeline.cue(cue, start_s, duration_s)
        if start_s > now_s:
            self._queued.append((index, start_s, duration_s))
        self._busy_until_s = start_s + duration_s

    def earcon(self, earcon: Earcon) -> None:
        """Tones are instant on the timeline."""
        self._timeline.earcon(earcon, self._clock())

    def set_volume(self, level: float) -> None:
        """Loudness does not move anything on the timeline."""

    @property
    def quiet_at_s(self) -> float:
        """When the last cue placed so far ends."""
        return self._busy_until_s

    def close(self) -> None:
        """Nothing to release."""


@dataclass(frozen=True)
class Simulated:
    """A simulated workout: its timeline and the summary the session made of it."""

    records: list[TimelineRecord]
    summary: WorkoutSummary


def simulate(
    routine: Routine,
    settings: SimulationParams | Settings,
    commands: Iterable[tuple[float, Command]] = (),
    cue_timer: CueTimer | None = None,
    recorder: Recorder | None = None,
    start: StartAt | None = None,
) -> list[TimelineRecord]:
    """Run a whole workout on a fake clock with scripted commands; returns the timeline."""
    return run_simulation(routine, settings, commands, cue_timer, recorder, start).records


def run_simulation(
    routine: Routine,
    settings: SimulationParams | Settings,
    commands: Iterable[tuple[float, Command]] = (),
    cue_timer: CueTimer | None = None,
    recorder: Recorder | None = None,
    start: StartAt | None = None,
) -> Simulated:
    """Run a whole workout on a fake clock with scripted commands: its timeline and summary.

    If the script has no `start`, the simulated user says it at 0.0. History records also go
    to `recorder`; `start` resumes a workout part-way (see Session).
    """
    params = (SimulationParams.from_settings(settings) if isinstance(settings, Settings)
              else settings)
    timer = cue_timer or EstimatedCueTimer(params.rate_wpm)
    session = Session(routine, params.phrases, params.verbosity, timer, start,
                      words=wording_for(params.language))
    pacer = FakePacer()
    timeline = Timeline(pacer.now_s, recorder)
    voice = SimulatedVoice(timer, pacer.now_s, timeline)
    runner = Runner(session, voice, pacer, recorder=timeline, view=timeline)
    script = sorted(commands, key=lambda item: item[0])
    if all(command is not Command.START for _, command in script):
        script.insert(0, (0.0, Command.START))
    for at_s, command in script:
        pacer.inject(CommandHeard(command, text=command.value), at_s)

    def deliver(event: Event) -> None:
        runner.dispatch(event)
        if runner.finish_reason is not None:
            pacer.close()

    pacer.start(deliver)
    pacer.run()
    runner.close()
    # The workout is over when the coach has finished its last sentence.
    timeline.finish(runner.finish_reason or "unfinished", max(pacer.now_s(), voice.quiet_at_s))
    return Simulated(sorted(timeline.records, key=lambda record: record.time_s), session.summary())


def planned_duration_s(routine: Routine) -> float:
    """How long the routine takes if no command is given: the end of a simulation at the
    default speaking rate, so every pacing rule counts (count-ins and rests lengthened to fit
    their words, the last words after the last set) and none is copied here."""
    # No phrases: a routine whose cue contains a command phrase still has a length to list.
    return simulate(routine, SimulationParams({}))[-1].time_s


_LINE = re.compile(r"^\s*(\S+)\s+(.+?)\s*$")


def _seconds(text: str) -> float | None:
    """`12.5` or `1:30` (minutes:seconds) as seconds, None if neither."""
    match = re.fullmatch(r"(?:(\d+):)?(\d+(?:\.\d+)?)", text)
    if not match:
        return None
    minutes = int(match.group(1) or 0)
    return minutes * 60 + float(match.group(2))


def parse_command_script(text: str, phrases: Mapping[Command, Iterable[str]],
                         source: str = "<commands>") -> list[tuple[float, Command]]:
    """Read `TIME COMMAND` lines (`12.5 pause`, `1:30 how many left`; `#` starts a comment);
    raises FileProblemsError naming every bad line."""
    commands: list[tuple[float, Command]] = []
    problems: list[Problem] = []
    known = ", ".join(sorted({normalize(p) for items in phrases.values() for p in items}))
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        match = _LINE.match(line)
        at_s = _seconds(match.group(1)) if match else None
        if match is None or at_s is None:
            problems.append(Problem(source, number, "", "a line needs a time and a command",
                                    got=repr(raw.strip()), fix="write e.g. `12.5 pause`"))
            continue
        said = match.group(2)
        command = parse_typed_command(said, phrases)
        if command is None:
            problems.append(Problem(source, number, "", "not a command", got=repr(said),
                                    fix=f"use one of: {known}"))
            continue
        commands.append((at_s, command))
    if problems:
        raise FileProblemsError(problems)
    return commands


def read_command_script(path: Path, phrases: Mapping[Command, Iterable[str]],
                        ) -> list[tuple[float, Command]]:
    """Read a command script file; a missing file is one clear line."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"cannot read the command script {path}: {exc.strerror}; "
                         "check the path given to --commands") from None
    return parse_command_script(text, phrases, str(path))
