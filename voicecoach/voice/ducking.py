"""Lowering other programs' audio while the coach speaks (`[audio] duck_others_db`), and bringing
it back smoothly after each cue, even after a crash (through the journal, at the next start).

The speaking signal's callbacks come from the audio thread, which must never wait: they only put
a word on a queue. One thread owns the sound-server connection (pulsectl is not thread-safe)
and moves every lowered stream's volume in small steps, so the change is a ramp, not a click.
"""

from __future__ import annotations

import contextlib
import os
import queue
import signal
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Protocol

from voicecoach.audio.pulse_streams import PlayingStream, PulseError, PulseStreams, StreamControl
from voicecoach.echo.coach_speech import SpeakingSignal
from voicecoach.files import paths
from voicecoach.files.settings import AudioSettings
from voicecoach.voice.duck_journal import (
    VOLUME_TOLERANCE,
    DuckedStream,
    journal_path,
    left_behind,
    read_journal,
    remove_journal,
    restore_plan,
    write_journal,
)

RAMP_S = 0.12
"""Length of the fade down and back up: long enough not to click, short enough to be on time."""
RAMP_STEPS = 6
"""Volume steps per ramp (2 dB each at the default depth): each is inaudible as a step."""
HOLD_S = 0.15
"""Wait this long after a cue before bringing the music back: cues that follow one another
("one", "two", ...) keep it low instead of pumping it up and down between them."""
RESCAN_S = 0.5
"""While lowered, look this often for streams that started mid-cue, and lower them too."""
CLOSE_TIMEOUT_S = 2.0

Warn = Callable[[str], None]


class Ducking(Protocol):
    """What the CLI holds: something to close on the way out (which restores every volume)."""

    def close(self) -> None:
        """Bring every lowered stream back and disconnect."""


class NoDucking:
    """Ducking that does nothing: switched off, or no sound server to talk to."""

    def close(self) -> None:
        """Nothing was lowered."""


def volume_factor(gain_db: float) -> float:
    """Multiplier of a PulseAudio volume that changes loudness by `gain_db`.

    PulseAudio's software volume is cubic (amplitude = (volume / 100 %)³), so a change of
    `gain_db` in amplitude is a third of it on the volume's own scale.
    """
    return float(10 ** (gain_db / 60.0))


class Ducker:
    """Lowers every other program's stream while the coach speaks; one thread owns `control`."""

    def __init__(
        self, control: StreamControl, depth_db: float, journal: Path, *,
        own_pid: int | None = None, warn: Warn | None = None,
        ramp_s: float = RAMP_S, ramp_steps: int = RAMP_STEPS, hold_s: float = HOLD_S,
        rescan_s: float = RESCAN_S,
    ) -> None:
        self._control = control
        self._depth_db = depth_db
        self._journal = journal
        self._own_pid = os.getpid() if own_pid is None else own_pid
        self._warn = warn
        self._step_s = ramp_s / ramp_steps
        self._step_db = depth_db / ramp_steps
        self._hold_s = hold_s
        self._rescan_s = rescan_s
        self._inbox: queue.SimpleQueue[bool | None] = queue.SimpleQueue()
        self._gain_db = 0.0
        """The gain applied to every lowered stream now (0 = not lowered, -depth = fully)."""
        self._ducked: dict[int, DuckedStream] = {}
        self._last_set: dict[int, tuple[float, ...]] = {}
        self._is_rising = False
        self._closed = False
        self._thread = threading.Thread(target=self._run, name="ducker", daemon=True)
        self._thread.start()

    def on_speech(self, is_speaking: bool) -> None:
        """SpeakingSignal listener (audio thread): only enqueue."""
        self._inbox.put(is_speaking)

    def close(self, timeout_s: float = CLOSE_TIMEOUT_S) -> None:
        """Bring the volumes back (a short ramp), then disconnect; safe to call twice."""
        if self._closed:
            return
        self._closed = True
        self._inbox.put(None)
        self._thread.join(timeout_s)

    @property
    def gain_db(self) -> float:
        """The gain now applied to other programs' streams (for tests and the curious)."""
        return self._gain_db

    # --- everything below runs on the ducker thread ---

    def _run(self) -> None:
        is_speaking = False
        quiet_since: float | None = None  # the last cue ended; held low in case another follows
        next_scan = 0.0
        try:
            while True:
                target = -self._depth_db if is_speaking or quiet_since is not None else 0.0
                with contextlib.suppress(queue.Empty):
                    word = self._inbox.get(timeout=self._timeout(target, quiet_since, next_scan))
                    if word is None:
                        break
                    if word:
                        is_speaking, quiet_since = True, None
                    elif is_speaking:
                        is_speaking, quiet_since = False, time.monotonic()
                now = time.monotonic()
                if quiet_since is not None and now - quiet_since >= self._hold_s:
                    quiet_since = None
                target = -self._depth_db if is_speaking or quiet_since is not None else 0.0
                if target < 0 and (self._gain_db == 0.0 or now >= next_scan):
                    self._lower_new_streams()
                    next_scan = now + self._rescan_s
                if self._gain_db != target:
                    self._step_toward(target)
        except (PulseError, OSError) as exc:  # OSError: the journal cannot be written
            self._say(f"stopped lowering other programs' audio: {exc}")
        finally:
            self._restore_all()
            self._control.close()

    def _timeout(self, target: float, quiet_since: float | None, next_scan: float) -> float | None:
        """How long to wait for the next word: a ramp step, the end of the hold, or a rescan."""
        now = time.monotonic()
        waits: list[float] = []
        if self._gain_db != target:
            waits.append(self._step_s)
        if quiet_since is not None:
            waits.append(quiet_since + self._hold_s - now)
        if target < 0:
            waits.append(next_scan - now)
        return max(0.0, min(waits)) if waits else None

    def _say(self, text: str) -> None:
        if self._warn is not None:
            with contextlib.suppress(Exception):
                self._warn(text)

    def _to_lower(self, playing: list[PlayingStream]) -> list[PlayingStream]:
        """Other programs' streams on the coach's output device(s), not lowered yet.

        Only the coach's device: what plays elsewhere does not cover its voice, and may not be
        music at all (a loopback into a microphone, a call on a headset). If the coach's own
        stream is not seen (another sound path), every device counts.
        """
        own_sinks = {s.sink for s in playing if s.pid == self._own_pid}
        return [s for s in playing if s.pid != self._own_pid and s.index not in self._ducked
                and (not own_sinks or s.sink in own_sinks)]

    def _lower_new_streams(self) -> None:
        """Journal, then start lowering, every other program's stream not lowered yet."""
        factor = volume_factor(-self._depth_db)
        new = [
            DuckedStream(s.index, s.application, s.pid, s.volume, tuple(v * factor for v in s.volume))
            for s in self._to_lower(self._control.playing())
        ]
        if not new:
            return
        for stream in new:
            self._ducked[stream.index] = stream
        write_journal(self._journal, self._ducked.values())
        if self._gain_db != 0.0:  # a stream that appeared mid-cue joins at the current depth
            for stream in new:
                self._apply(stream, self._gain_db)

    def _step_toward(self, target: float) -> None:
        """One ramp step: every lowered stream moves one step of gain toward `target`."""
        if target < self._gain_db:
            self._is_rising = False
            gain = max(target, self._gain_db - self._step_db)
        else:
            if not self._is_rising:
                self._is_rising = True
                self._forget_streams_changed_by_others()
            gain = min(target, self._gain_db + self._step_db)
        self._gain_db = gain if abs(gain - target) > 1e-9 else target
        for stream in list(self._ducked.values()):
            self._apply(stream, self._gain_db)
        if self._gain_db == 0.0:
            self._ducked.clear()
            self._last_set.clear()
            remove_journal(self._journal)

    def _apply(self, stream: DuckedStream, gain_db: float) -> None:
        if gain_db == 0.0:
            volume = stream.original
        else:
            factor = volume_factor(gain_db)
            volume = tuple(v * factor for v in stream.original)
        if self._control.set_volume(stream.index, volume):
            self._last_set[stream.index] = volume
        else:  # the program stopped playing
            self._ducked.pop(stream.index, None)
            self._last_set.pop(stream.index, None)

    def _forget_streams_changed_by_others(self) -> None:
        """Before bringing volumes back: a stream whose volume is not the one we set was changed
        by the user (or its program) meanwhile; their choice stands, so leave it alone."""
        for index, volume in list(self._last_set.items()):
            now = self._control.volume_of(index)
            if now is None or any(abs(a - b) > VOLUME_TOLERANCE for a, b in zip(now, volume, strict=False)):
                self._ducked.pop(index, None)
                self._last_set.pop(index, None)

    def _restore_all(self) -> None:
        """On the way out: ramp every lowered stream back (quickly), then drop the journal."""
        try:
            while self._ducked and self._gain_db < 0.0:
                self._step_toward(0.0)
                if self._gain_db < 0.0:
                    time.sleep(self._step_s)
            remove_journal(self._journal)
        except (PulseError, OSError) as exc:  # the journal stays: the next start restores them
            self._say(f"could not bring other programs' volume back: {exc}")


def restore_left_behind(control: StreamControl, journals: list[Path]) -> tuple[int, int]:
    """Restore the streams in journals of processes that died while ducking; remove the journals.

    Returns (restored, journaled): streams that ended, or whose volume someone changed since,
    are left alone.
    """
    playing = control.playing()
    restored = journaled = 0
    for path in journals:
        ducked = read_journal(path)
        journaled += len(ducked)
        for index, volume in restore_plan(ducked, playing):
            restored += control.set_volume(index, volume)
        remove_journal(path)
    return restored, journaled


def _connect(warn: Warn, why: str) -> StreamControl | None:
    try:
        return PulseStreams()
    except PulseError as exc:
        warn(f"{why}: {exc}")
        return None


def open_ducking(
    audio: AudioSettings, speaking: SpeakingSignal, warn: Warn, *,
    data_dir: Path | None = None, connect: Callable[[Warn, str], StreamControl | None] = _connect,
) -> Ducking:
    """Start lowering other programs' audio whenever `speaking` says the coach speaks.

    First restores what an earlier voicecoach left lowered (one line says so). With
    `duck_others_db = 0` nothing connects to the sound server (unless such a journal is left);
    with no server, one line says the music will not be lowered and the workout goes on.
    """
    folder = paths.user_data_dir() if data_dir is None else data_dir
    journals = left_behind(folder)
    depth_db = audio.duck_others_db
    if depth_db <= 0 and not journals:
        return NoDucking()
    why = "music will not be lowered" if depth_db > 0 else "could not restore other programs' volume"
    control = connect(warn, why)
    if control is None:
        return NoDucking()
    try:
        if journals:
            restored, journaled = restore_left_behind(control, journals)
            warn(f"restored the volume of {restored} of {journaled} stream(s) an earlier voicecoach "
                 "left lowered (the others have ended or were changed since)"
                 if restored < journaled else
                 f"restored the volume of {restored} stream(s) an earlier voicecoach left lowered")
    except PulseError as exc:
        warn(f"could not restore other programs' volume: {exc}")
    if depth_db <= 0:
        control.close()
        return NoDucking()
    ducker = Ducker(control, depth_db, journal_path(folder, os.getpid()), warn=warn)
    speaking.add_listener(ducker.on_speech)
    return _ExitOnSigterm(ducker)


class _ExitOnSigterm:
    """Turns SIGTERM into SystemExit while ducking, so `finally` blocks (and close) run.

    Python's default SIGTERM ends the process on the spot, leaving the music low until the next
    start. Only the main thread may set handlers, and a handler someone else set is kept.
    """

    def __init__(self, ducker: Ducker) -> None:
        self.ducker = ducker
        self._previous: object = None
        if threading.current_thread() is threading.main_thread() \
                and signal.getsignal(signal.SIGTERM) is signal.SIG_DFL:
            self._previous = signal.signal(signal.SIGTERM, _exit_on_sigterm)

    def close(self) -> None:
        """Restore the volumes, then SIGTERM's previous meaning."""
        try:
            self.ducker.close()
        finally:
            if self._previous is not None and threading.current_thread() is threading.main_thread() \
                    and signal.getsignal(signal.SIGTERM) is _exit_on_sigterm:  # not someone else's since
                signal.signal(signal.SIGTERM, self._previous)  # type: ignore[arg-type]
            self._previous = None


def _exit_on_sigterm(signum: int, frame: object) -> None:
    raise SystemExit(128 + signum)
