"""Driving a real `voicecoach run` on virtual audio: spoken commands in, the live timeline out.

A `Workout` starts `voicecoach run` as a subprocess pointed at a private PulseAudio daemon
(tests/pulse.py), tails the JSONL timeline it writes line by line (`--timeline`), and speaks
commands synthesized by espeak-ng into the virtual microphone when a person would: in a gap in
the coach's speech, with enough of the phase left. A command that was not understood is said
again (at most `TRIES` times in all), as a person would; every try is kept for the report.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from tests.conftest import REPO_ROOT
from tests.pulse import MIC_RATE_HZ, PulseServer, SpeakerRecording, write_wav
from voicecoach.sim.synth import synthesize
from voicecoach.views import TimelineRecord

USER_VOICE = "en-us+m3"
"""espeak-ng variant speaking the user's commands (the coach speaks with the default voice)."""

SPEEDS_WPM = (150, 130, 175)
"""Speaking rate of the first try and of each repeat (people repeat a command more slowly)."""

LEAD_S = 0.4
"""Silence before each spoken command (PulseAudio drops the start of a new stream)."""

TRIES = 3
"""A command is said at most this many times (the first try and two repeats)."""

HEARD_WITHIN_S = 2.5
"""After a spoken command ends, its `command` record must appear within this long."""

STARTUP_S = 60.0
"""Longest wait for `voicecoach run` to render its cues and open the microphone."""

TEMPO = {"lift": 2.0, "lower": 4.0}
"""Phase lengths (s) of ROUTINE's tempo 4-0-2-0."""


def routine_yaml(reps: int) -> str:
    """One set of leg lifts, tempo 4-0-2-0 lift first, on a two-rung ladder (so "easier" works)."""
    return f"""\
name: End-to-end leg lifts
count_in_s: 3
exercises:
  - id: leg-lifts
    name: Leg lifts
    sets: 1
    rest_between_sets_s: 10
    start_at: straight-leg
    variations:
      - id: bent-knee
        name: Bent-knee lifts
        tempo: 4-0-2-0
        start_phase: lift
        reps: {reps}
        key_cue: Knees bent, back flat.
      - id: straight-leg
        name: Straight-leg lifts
        tempo: 4-0-2-0
        start_phase: lift
        reps: {reps}
        key_cue: Legs straight, back flat.
"""


class LiveTimeline:
    """The timeline file of a running workout, read as it grows."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.records: list[TimelineRecord] = []
        self._offset = 0
        self._origin_s = float("inf")
        """Monotonic time of session time 0: the tightest bound over records seen so far."""

    def poll(self) -> list[TimelineRecord]:
        """Read the complete lines written since the last poll."""
        if not self.path.exists():
            return []
        with self.path.open("rb") as file:
            file.seek(self._offset)
            chunk = file.read()
        end = chunk.rfind(b"\n") + 1
        self._offset += end
        seen_s = time.monotonic()
        new = [TimelineRecord.from_json(line) for line in chunk[:end].decode().splitlines()]
        for record in new:
            if record.time_s > 0:
                self._origin_s = min(self._origin_s, seen_s - record.time_s)
        self.records.extend(new)
        return new

    def now_s(self) -> float:
        """Session time now (an upper bound: lines are seen a little after they are written);
        0.0 before the workout's clock has started."""
        return time.monotonic() - self._origin_s if self._origin_s < float("inf") else 0.0

    def session_time(self, monotonic_s: float) -> float:
        """A monotonic instant on the session clock."""
        return monotonic_s - self._origin_s

    def where(self, event: str | None = None, **fields: object) -> list[TimelineRecord]:
        """Records of `event` whose fields have the given values."""
        return [r for r in self.records if (event is None or r.event == event)
                and all(getattr(r, k) == v for k, v in fields.items())]

    def onsets(self) -> list[TimelineRecord]:
        """Rep phase onsets (a set's first phase begins with the count-in's `end`)."""
        return [r for r in self.records if r.event in ("phase", "end") and r.state == "working"
                and r.phase is not None]

    def onset(self, rep: int, phase: str) -> TimelineRecord | None:
        """The onset of one rep phase, if it has come."""
        return next((r for r in self.onsets() if (r.rep, r.phase) == (rep, phase)), None)

    def last_phase(self) -> TimelineRecord | None:
        """The latest rep phase onset (None before the first)."""
        onsets = self.onsets()
        return onsets[-1] if onsets else None

    def is_coach_quiet(self, since_s: float = 0.4) -> bool:
        """Nothing sounding, nothing asked to be said, and silent for `since_s` already."""
        if not any(r.event in ("speech", "cue") for r in self.records):
            return True
        sounding: dict[str, int] = {}
        last_sound_s = 0.0
        for r in self.records:
            if r.event == "speech" and r.text is not None:
                sounding[r.text] = sounding.get(r.text, 0) + (1 if r.detail == "started" else -1)
                last_sound_s = r.time_s
        if any(n > 0 for n in sounding.values()):
            return False
        # the cues of a phase onset or a command are written just after its record
        moments = [r.time_s for r in self.records if r.event in ("phase", "end", "command")]
        if moments and self.now_s() - moments[-1] < 0.3:
            return False
        started = {r.text for r in self.records if r.event == "speech"}
        now_s = self.now_s()
        waiting = [r for r in self.records if r.event == "cue" and r.text not in started
                   and now_s - r.time_s < 2.0]  # a cue the player dropped never starts
        return not waiting and now_s - last_sound_s >= since_s

    def speech_spans(self) -> list[tuple[str, float, float]]:
        """(text, start, end) of everything the speaker said, in session seconds."""
        spans, open_at = [], {}
        for r in self.records:
            if r.event == "speech" and r.text is not None:
                if r.detail == "started":
                    open_at[r.text] = r.time_s
                elif r.text in open_at:
                    spans.append((r.text, open_at.pop(r.text), r.time_s))
        return spans


@dataclass
class Try:
    """One spoken command and what the recognizer made of it."""

    phrase: str
    said_at_s: float
    heard: list[str] = field(default_factory=list)
    """Each recognition in the window: text, confidence and the gate's verdict."""
    is_understood: bool = False

    def __str__(self) -> str:
        verdict = "understood" if self.is_understood else "NOT understood"
        return f"{self.phrase!r} at {self.said_at_s:.1f} s: {verdict}; heard {self.heard}"


@dataclass
class Workout:
    """A running `voicecoach run` on the virtual devices."""

    pulse: PulseServer
    process: subprocess.Popen[bytes]
    timeline: LiveTimeline
    history: Path
    stderr: Path
    wav_dir: Path
    tries: list[Try] = field(default_factory=list)

    def wait_for(self, predicate: Callable[[], bool], timeout_s: float, what: str) -> None:
        """Poll the timeline until `predicate()` holds; fails with the timeline's tail if not."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            self.timeline.poll()
            if predicate():
                return
            if self.process.poll() is not None:
                break
            time.sleep(0.02)
        raise AssertionError(f"timed out waiting for {what}; {self.report()}")

    def wait_for_record(self, event: str, timeout_s: float, **fields: object) -> TimelineRecord:
        """The first record (from now on, or already there) matching; fails after timeout_s."""
        self.wait_for(lambda: bool(self.timeline.where(event, **fields)), timeout_s,
                      f"a {event} record with {fields}")
        return self.timeline.where(event, **fields)[0]

    def wait_for_onset(self, rep: int, phase: str, timeout_s: float) -> TimelineRecord:
        """The onset of a rep phase, once it comes."""
        self.wait_for(lambda: self.timeline.onset(rep, phase) is not None, timeout_s,
                      f"rep {rep} {phase}")
        onset = self.timeline.onset(rep, phase)
        assert onset is not None
        return onset

    def wait_until_listening(self) -> None:
        """`voicecoach run` has rendered its cues and opened the microphone."""
        deadline = time.monotonic() + STARTUP_S
        while "recognizer:" not in self.stderr.read_text(errors="replace"):
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(f"voicecoach run did not start: {self.report()}")
            time.sleep(0.05)
        # the runner writes its first record ("ready") just before it opens the microphone
        self.wait_for(lambda: bool(self.timeline.records), STARTUP_S, "the first record")
        time.sleep(0.5)

    def wav(self, phrase: str, lead_s: float = LEAD_S, speed_wpm: int = SPEEDS_WPM[0]) -> Path:
        """The phrase spoken by the test's voice, as a 16 kHz WAV (made once)."""
        path = self.wav_dir / f"{phrase.replace(' ', '_')}-{lead_s:g}-{speed_wpm}.wav"
        if not path.exists():
            samples = synthesize(phrase, USER_VOICE, speed_wpm, lead_s=lead_s, tail_s=0.3)
            write_wav(path, samples * 0.7, MIC_RATE_HZ)
        return path

    def say(self, phrase: str, lead_s: float = LEAD_S, speed_wpm: int = SPEEDS_WPM[0]) -> float:
        """Speak into the microphone (returns when the sound has been played); returns the
        session time at which playing began."""
        wav = self.wav(phrase, lead_s, speed_wpm)
        self.timeline.poll()
        at_s = self.timeline.now_s()
        self.pulse.play_into_mic(wav)
        return at_s

    def command(self, phrase: str, command: str, when: Callable[[], bool] | None = None,
                timeout_s: float = 30.0, lead_s: float = LEAD_S) -> TimelineRecord:
        """Say `phrase` (when `when()` holds) until the session takes it as `command`.

        Returns the `command` record; fails after TRIES tries, listing what was heard each time.
        """
        for speed_wpm in SPEEDS_WPM[:TRIES]:
            if when is not None:
                self.wait_for(when, timeout_s, f"a moment to say {phrase!r}")
            before = len(self.timeline.records)
            attempt = Try(phrase, self.say(phrase, lead_s, speed_wpm))
            self.tries.append(attempt)
            deadline = time.monotonic() + HEARD_WITHIN_S
            found: list[TimelineRecord] = []
            while time.monotonic() < deadline and not found:
                time.sleep(0.02)
                self.timeline.poll()
                found = [r for r in self.timeline.records[before:]
                         if r.event == "command" and r.detail == command]
            attempt.heard = [
                f"{r.text!r} {r.data['confidence'] if r.data else '?'}: {r.detail}"
                for r in self.timeline.records[before:] if r.event == "heard"]
            if found:
                attempt.is_understood = True
                return found[0]
        raise AssertionError(f"{phrase!r} was not understood in {TRIES} tries: {self.report()}")

    def report(self) -> str:
        """What was said and heard, and the timeline's tail, for failure messages."""
        self.timeline.poll()
        tail = "\n".join(
            f"  {r.time_s:7.2f} {r.event:8} {r.detail or '':>14} {r.state:9} rep {r.rep} "
            f"{r.phase or '':6} {r.text or ''}" for r in self.timeline.records[-40:])
        err = self.stderr.read_text(errors="replace")[-1500:]
        tries = "\n".join(f"  {t}" for t in self.tries)
        return f"\ntries:\n{tries}\ntimeline tail:\n{tail}\nstderr:\n{err}"

    def wait_exit(self, timeout_s: float = 15.0) -> int:
        """The exit code of `voicecoach run` once it has ended by itself."""
        try:
            return self.process.wait(timeout=timeout_s)
        except subprocess.TimeoutExpired:
            raise AssertionError(f"voicecoach run did not end: {self.report()}") from None

    # ---- moments to speak ---------------------------------------------------------------

    def in_phase(self, phase: str, min_left_s: float = 1.6, min_rep: int = 1) -> Callable[[], bool]:
        """A moment when the coach is quiet during `phase` with at least `min_left_s` of it left
        (a command takes ~1.2 s from the first sound to its record: lead, word, end silence)."""

        def ok() -> bool:
            onset = self.timeline.last_phase()
            if onset is None or onset.phase != phase or onset.rep < min_rep:
                return False
            if onset.state != "working" or self.timeline.records[-1].state != "working":
                return False
            left_s = onset.time_s + TEMPO[phase] - self.timeline.now_s()
            return left_s >= min_left_s and self.timeline.is_coach_quiet()

        return ok

    def quiet(self) -> bool:
        """The coach is silent (e.g. while paused)."""
        return self.timeline.is_coach_quiet()

    # ---- after the run --------------------------------------------------------------------

    def history_rows(self, sql: str) -> list[tuple]:
        """Query the history database the run wrote."""
        with sqlite3.connect(self.history) as db:
            return db.execute(sql).fetchall()


@contextmanager
def workout(pulse: PulseServer, tmp_path: Path, reps: int = 8,
            extra_args: tuple[str, ...] = ()) -> Iterator[Workout]:
    """Start `voicecoach run` on a short routine; stops it (SIGINT, then by pid) if still running."""
    routine = tmp_path / "routine.yaml"
    routine.write_text(routine_yaml(reps), encoding="utf-8")
    timeline, history = tmp_path / "timeline.jsonl", tmp_path / "history.sqlite3"
    stderr = tmp_path / "stderr.txt"
    env = {**os.environ, "XDG_RUNTIME_DIR": str(pulse.runtime_dir), "PYTHONUNBUFFERED": "1"}
    cmd = [sys.executable, "-m", "voicecoach", "run", str(routine), "--offline", "--quiet",
           "--timeline", str(timeline), "--history", str(history), *extra_args]
    with stderr.open("wb") as err, (tmp_path / "stdout.txt").open("wb") as out:
        process = subprocess.Popen(cmd, env=env, cwd=REPO_ROOT, stdin=subprocess.DEVNULL,
                                   stdout=out, stderr=err)
    run = Workout(pulse, process, LiveTimeline(timeline), history, stderr, tmp_path)
    try:
        run.wait_until_listening()
        yield run
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGINT)
            with suppress(subprocess.TimeoutExpired):
                process.wait(timeout=10)
        if process.poll() is None:
            process.kill()
            process.wait(timeout=5)
        print(run.report())


def speaker_level(recording: SpeakerRecording, timeline: LiveTimeline, start_s: float,
                  end_s: float) -> float:
    """Peak level on the speaker between two session times (0 = silence, 1 = full scale)."""
    samples = recording.samples
    if samples.size == 0:
        return 0.0
    origin = recording.time_of(0)
    first = max(0, int((start_s - timeline.session_time(origin)) * recording.rate_hz))
    last = min(samples.size, int((end_s - timeline.session_time(origin)) * recording.rate_hz))
    return float(np.abs(samples[first:last]).max()) if last > first else 0.0
