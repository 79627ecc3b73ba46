"""Ducking other programs' audio under the coach: the ducker on a fake sound server (fast, exact),
then on the private PulseAudio with a real `voicecoach say`, a steady tone and a recording."""

from __future__ import annotations

import dataclasses
import json
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import pytest

from tests.conftest import REPO_ROOT
from tests.fixtures.pulse import SPEAKER_RATE_HZ, PulseServer, pulse_fixture, write_wav
from voicecoach.audio.pulse_streams import PlayingStream, PulseError, PulseStreams, StreamControl
from voicecoach.echo.coach_speech import SpeakingSignal
from voicecoach.files.settings import AudioSettings
from voicecoach.voice.duck_journal import DuckedStream, journal_path, read_journal, write_journal
from voicecoach.voice.ducking import Ducker, NoDucking, Warn, open_ducking, volume_factor

pulse = pulse_fixture(is_clocked=False)  # the fixture's silent stream would be ducked too

OWN_PID = 1000
SPEAKER, HEADSET = 0, 1
DUCKED_12 = volume_factor(-12)


class FakeServer:
    """StreamControl over a dict, thread-safe, keeping every volume set with its time."""

    def __init__(self, *streams: PlayingStream) -> None:
        self._lock = threading.Lock()
        self.streams = {s.index: s for s in streams}
        self.sets: list[tuple[float, int, tuple[float, ...]]] = []
        self.is_closed = False

    def playing(self) -> list[PlayingStream]:
        with self._lock:
            return list(self.streams.values())

    def volume_of(self, index: int) -> tuple[float, ...] | None:
        with self._lock:
            found = self.streams.get(index)
            return None if found is None else found.volume

    def set_volume(self, index: int, volume: tuple[float, ...]) -> bool:
        with self._lock:
            if index not in self.streams:
                return False
            self.streams[index] = dataclasses.replace(self.streams[index], volume=volume)
            self.sets.append((time.monotonic(), index, volume))
            return True

    def user_sets(self, index: int, volume: tuple[float, ...]) -> None:
        with self._lock:
            self.streams[index] = dataclasses.replace(self.streams[index], volume=volume)

    def add(self, stream: PlayingStream) -> None:
        with self._lock:
            self.streams[stream.index] = stream

    def close(self) -> None:
        self.is_closed = True


def coach(index: int = 1, sink: int = SPEAKER) -> PlayingStream:
    return PlayingStream(index, "ALSA plug-in [python3.11]", OWN_PID, (1.0,), sink)


def music(index: int = 2, volume: tuple[float, ...] = (1.0, 0.5), sink: int = SPEAKER) -> PlayingStream:
    return PlayingStream(index, "mpv", 77, volume, sink)


def wait_for(predicate: Callable[[], bool], timeout_s: float = 2.0) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.005)
    return predicate()


@pytest.fixture
def journal(tmp_path: Path) -> Path:
    return journal_path(tmp_path, OWN_PID)


def make_ducker(server: FakeServer, journal: Path, depth_db: float = 12.0) -> Ducker:
    return Ducker(server, depth_db, journal, own_pid=OWN_PID)


def test_a_pulse_volume_is_cubic_in_amplitude() -> None:
    assert volume_factor(-12) ** 3 == pytest.approx(10 ** (-12 / 20))
    assert volume_factor(0) == 1.0


def test_music_is_lowered_in_steps_while_the_coach_speaks_and_restored_after(journal: Path) -> None:
    server = FakeServer(coach(), music())
    ducker = make_ducker(server, journal)
    try:
        ducker.on_speech(True)
        assert wait_for(lambda: server.volume_of(2) == pytest.approx((DUCKED_12, 0.5 * DUCKED_12)))
        assert read_journal(journal) == [DuckedStream(2, "mpv", 77, (1.0, 0.5), (DUCKED_12, 0.5 * DUCKED_12))]
        down = [v[0] for _, i, v in server.sets if i == 2]
        assert len(down) >= 5 and down == sorted(down, reverse=True)  # a ramp, not a jump
        ducker.on_speech(False)
        said_stop = time.monotonic()
        assert wait_for(lambda: server.volume_of(2) == (1.0, 0.5))
        assert time.monotonic() - said_stop < 0.5
        assert not journal.exists()
        assert all(i != 1 for _, i, _ in server.sets)  # the coach's own stream is never touched
    finally:
        ducker.close()
    assert server.is_closed


def test_cues_close_together_keep_the_music_low(journal: Path) -> None:
    server = FakeServer(coach(), music())
    ducker = make_ducker(server, journal)
    try:
        ducker.on_speech(True)
        assert wait_for(lambda: server.volume_of(2) == pytest.approx((DUCKED_12, 0.5 * DUCKED_12)))
        count = len(server.sets)
        ducker.on_speech(False)  # "one" ... "two": the next cue starts within the hold
        time.sleep(0.03)
        ducker.on_speech(True)
        time.sleep(0.4)
        assert len(server.sets) == count
    finally:
        ducker.close()
    assert server.volume_of(2) == (1.0, 0.5)  # closing brings it back


def test_only_streams_on_the_coachs_device_are_lowered(journal: Path) -> None:
    server = FakeServer(coach(sink=SPEAKER), music(2, sink=SPEAKER), music(3, (0.9,), sink=HEADSET))
    ducker = make_ducker(server, journal)
    try:
        ducker.on_speech(True)
        assert wait_for(lambda: server.volume_of(2) == pytest.approx((DUCKED_12, 0.5 * DUCKED_12)))
        assert server.volume_of(3) == (0.9,)
    finally:
        ducker.close()


def test_a_stream_that_starts_mid_cue_is_lowered_too(journal: Path) -> None:
    server = FakeServer(coach(), music())
    ducker = make_ducker(server, journal)
    try:
        ducker.on_speech(True)
        assert wait_for(lambda: server.volume_of(2) == pytest.approx((DUCKED_12, 0.5 * DUCKED_12)))
        server.add(music(5, (0.8,)))
        assert wait_for(lambda: server.volume_of(5) == pytest.approx((0.8 * DUCKED_12,)))
        assert {d.index for d in read_journal(journal)} == {2, 5}
        ducker.on_speech(False)
        assert wait_for(lambda: server.volume_of(5) == (0.8,) and server.volume_of(2) == (1.0, 0.5))
    finally:
        ducker.close()


def test_a_volume_the_user_changed_meanwhile_is_kept(journal: Path) -> None:
    server = FakeServer(coach(), music())
    ducker = make_ducker(server, journal)
    try:
        ducker.on_speech(True)
        assert wait_for(lambda: server.volume_of(2) == pytest.approx((DUCKED_12, 0.5 * DUCKED_12)))
        server.user_sets(2, (0.3, 0.3))
        ducker.on_speech(False)
        assert wait_for(lambda: not journal.exists())
        time.sleep(0.2)
        assert server.volume_of(2) == (0.3, 0.3)
    finally:
        ducker.close()


def test_a_stream_that_ends_mid_cue_is_forgotten(journal: Path) -> None:
    server = FakeServer(coach(), music())
    ducker = make_ducker(server, journal)
    try:
        ducker.on_speech(True)
        assert wait_for(lambda: server.volume_of(2) is not None and server.volume_of(2)[0] < 0.7)
        del server.streams[2]
        ducker.on_speech(False)
        assert wait_for(lambda: not journal.exists())
    finally:
        ducker.close()


def test_the_speaking_signal_tells_listeners_once_per_start_and_stop() -> None:
    heard: list[bool] = []
    speaking = SpeakingSignal()
    speaking.add_listener(heard.append)
    speaking.stopped()  # nothing playing: nothing to tell
    speaking.started("Lower slowly")
    speaking.stopped()
    speaking.stopped()
    assert heard == [True, False]


class Connects:
    """The `connect` argument of open_ducking, counting calls; None = no server."""

    def __init__(self, server: StreamControl | None) -> None:
        self.server = server
        self.calls = 0

    def __call__(self, warn: Warn, why: str) -> StreamControl | None:
        self.calls += 1
        if self.server is None:
            warn(f"{why}: no PulseAudio server answers")
        return self.server


def test_switched_off_it_never_connects(tmp_path: Path) -> None:
    connect = Connects(FakeServer())
    ducking = open_ducking(AudioSettings(duck_others_db=0), SpeakingSignal(), print,
                           data_dir=tmp_path, connect=connect)
    assert isinstance(ducking, NoDucking) and connect.calls == 0


def test_without_a_server_one_line_says_so_and_the_coach_goes_on(tmp_path: Path) -> None:
    lines: list[str] = []
    speaking = SpeakingSignal()
    ducking = open_ducking(AudioSettings(), speaking, lines.append, data_dir=tmp_path,
                           connect=Connects(None))
    speaking.started("Ready")
    speaking.stopped()
    ducking.close()
    assert lines == ["music will not be lowered: no PulseAudio server answers"]


def test_the_next_start_restores_what_a_killed_voicecoach_left_low(tmp_path: Path) -> None:
    server = FakeServer(music(2, (DUCKED_12, 0.5 * DUCKED_12)), music(3, (0.2,)))
    write_journal(journal_path(tmp_path, 999_999_999), [  # no process has this pid
        DuckedStream(2, "mpv", 77, (1.0, 0.5), (DUCKED_12, 0.5 * DUCKED_12)),
        DuckedStream(3, "mpv", 77, (0.9,), (0.9 * DUCKED_12,)),  # the user turned it down since
        DuckedStream(4, "vlc", 78, (1.0,), (DUCKED_12,)),  # ended
    ])
    lines: list[str] = []
    ducking = open_ducking(AudioSettings(duck_others_db=0), SpeakingSignal(), lines.append,
                           data_dir=tmp_path, connect=Connects(server))
    ducking.close()
    assert server.volume_of(2) == (1.0, 0.5) and server.volume_of(3) == (0.2,)
    assert list(tmp_path.iterdir()) == []
    assert len(lines) == 1 and lines[0].startswith("restored the volume of 1 of 3 stream(s)")


def test_while_ducking_sigterm_exits_through_finally_and_its_meaning_comes_back_after(
    tmp_path: Path,
) -> None:
    assert signal.getsignal(signal.SIGTERM) is signal.SIG_DFL
    ducking = open_ducking(AudioSettings(), SpeakingSignal(), print, data_dir=tmp_path,
                           connect=Connects(FakeServer(coach(), music())))
    try:
        with pytest.raises(SystemExit):
            signal.getsignal(signal.SIGTERM)(signal.SIGTERM, None)  # type: ignore[operator]
    finally:
        ducking.close()
    assert signal.getsignal(signal.SIGTERM) is signal.SIG_DFL


# --- on the private PulseAudio: a real `voicecoach say` over a steady tone -------------------

TONE_HZ = 8000.0
"""Far above the coach's voice (speech has almost nothing at 8 kHz): the tone's level is measured
at its own frequency, so the cue playing over it does not confuse the measure."""
TONE_LEVEL = 0.3
LONG_CUE = ("Lower slowly and keep your back flat on the floor, breathe out as you lift, "
            "and hold the top for a moment before you come down again.")


def tone_level_db(samples: np.ndarray, rate_hz: int, window_s: float,
                  hop_s: float) -> tuple[np.ndarray, np.ndarray]:
    """(window centre times, tone amplitude in dBFS): a lock-in at TONE_HZ on whole-cycle windows."""
    size, hop = int(window_s * rate_hz), int(hop_s * rate_hz)
    starts = np.arange(0, samples.size - size, hop)
    phase = np.exp(-2j * np.pi * TONE_HZ * np.arange(size) / rate_hz)
    frames = np.lib.stride_tricks.sliding_window_view(samples, size)[starts]
    amplitude = 2 * np.abs(frames @ phase) / size
    return (starts + size / 2) / rate_hz, 20 * np.log10(amplitude + 1e-9)


def voice_span_s(samples: np.ndarray, rate_hz: int) -> tuple[float, float]:
    """First and last moment the coach is heard: energy at 100-4000 Hz, where the tone is not."""
    size = int(0.02 * rate_hz)
    frames = samples[: samples.size // size * size].reshape(-1, size)
    spectrum = np.abs(np.fft.rfft(frames * np.hanning(size), axis=1))
    freqs = np.fft.rfftfreq(size, 1 / rate_hz)
    band = spectrum[:, (freqs > 100) & (freqs < 4000)]
    loud = np.flatnonzero(np.sqrt((band**2).sum(axis=1)) / size > 0.005)
    assert loud.size, "the coach was not heard"
    return loud[0] * size / rate_hz, (loud[-1] + 1) * size / rate_hz


def median_between(times: np.ndarray, levels: np.ndarray, start_s: float, end_s: float) -> float:
    inside = levels[(times >= start_s) & (times <= end_s)]
    assert inside.size >= 5, f"too few windows in {start_s:.2f}-{end_s:.2f} s"
    return float(np.median(inside))


@dataclasses.dataclass
class Room:
    """The private daemon, a data folder for voicecoach, and a tone player."""

    pulse: PulseServer
    folder: Path
    tone: subprocess.Popen[bytes] | None = None

    @property
    def env(self) -> dict[str, str]:
        return {**self.pulse.env, "VOICECOACH_DATA_DIR": str(self.folder / "data"),
                "VOICECOACH_CACHE_DIR": str(self.folder / "cache"),
                "VOICECOACH_CONFIG_DIR": str(self.folder / "config")}

    def play_tone(self) -> None:
        rate = SPEAKER_RATE_HZ
        tone = TONE_LEVEL * np.sin(2 * np.pi * TONE_HZ * np.arange(60 * rate) / rate)
        wav = write_wav(self.folder / "tone.wav", tone, rate)
        self.tone = subprocess.Popen(["paplay", "--device=spk", str(wav)], env=self.pulse.env)
        assert wait_for(lambda: self.tone_volume() is not None, 5.0)

    def stop_tone(self) -> None:
        if self.tone is not None and self.tone.poll() is None:
            self.tone.kill()
            self.tone.wait(timeout=5)

    def tone_volume(self) -> float | None:
        """The tone stream's volume as the server holds it (1.0 = 100 %)."""
        if self.tone is None:
            return None
        for stream in json.loads(self.pulse.pactl("-f", "json", "list", "sink-inputs")):
            if stream["properties"].get("application.process.id") == str(self.tone.pid):
                return int(stream["volume"]["mono"]["value"]) / 65536
        return None

    def say(self, text: str, *config: str) -> subprocess.Popen[str]:
        args = [sys.executable, "-m", "voicecoach"]
        if config:
            (self.folder / "extra.toml").write_text("\n".join(["[audio]", *config]) + "\n")
            args += ["--config", str(self.folder / "extra.toml")]
        return subprocess.Popen([*args, "say", text], env=self.env, cwd=REPO_ROOT,
                                stderr=subprocess.PIPE, text=True)

    def journals(self) -> list[Path]:
        return sorted((self.folder / "data").glob("ducked-streams-*.json"))


@pytest.fixture
def room(pulse: PulseServer, tmp_path: Path) -> Iterator[Room]:
    here = Room(pulse, tmp_path)
    try:
        yield here
    finally:
        here.stop_tone()


def said(process: subprocess.Popen[str], timeout_s: float = 60.0) -> str:
    """Wait for a `voicecoach say` to end; its stderr (it must succeed). Never left running."""
    try:
        _, err = process.communicate(timeout=timeout_s)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate(timeout=5)
    assert process.returncode == 0, err
    return err


@pytest.mark.parametrize("depth_db", [12.0, 6.0])
def test_a_tone_is_lowered_by_the_set_amount_during_a_cue_and_back_within_half_a_second(
    room: Room, depth_db: float,
) -> None:
    said(room.say("Ready."))  # renders the voice once, so the measured run starts quickly
    config = [] if depth_db == 12.0 else [f"duck_others_db = {depth_db}"]
    with room.pulse.record_speaker() as recording:
        room.play_tone()
        time.sleep(1.5)
        said(room.say(LONG_CUE, *config))
        time.sleep(1.0)
    samples, rate = recording.samples, recording.rate_hz
    times, level = tone_level_db(samples, rate, window_s=0.05, hop_s=0.01)
    start_s, end_s = voice_span_s(samples, rate)
    assert end_s - start_s > 2.0, "the cue is too short to measure inside it"
    before = median_between(times, level, start_s - 1.0, start_s - 0.2)
    during = median_between(times, level, start_s + 0.5, end_s - 0.5)
    after = median_between(times, level, end_s + 0.5, end_s + 0.9)
    assert before == pytest.approx(20 * np.log10(TONE_LEVEL), abs=1.0)
    assert before - during == pytest.approx(depth_db, abs=2.0)
    assert after == pytest.approx(before, abs=1.0)
    # back: the first moment after the cue from which the tone stays within 1 dB of before
    low = np.flatnonzero((times > end_s) & (times < end_s + 0.9) & (level < before - 1.0))
    back_s = (times[low[-1]] + 0.025 if low.size else end_s) - end_s
    fine_t, fine = tone_level_db(samples, rate, window_s=0.01, hop_s=0.002)
    rise = fine_t[(fine_t > end_s) & (fine > before - depth_db + 1.0) & (fine < before - 1.0)]
    print(f"\nducked {before - during:.1f} dB (set {depth_db:g}); back {back_s * 1000:.0f} ms "
          f"after the cue's last sound; rise {1000 * np.ptp(rise) if rise.size else 0:.0f} ms")
    assert back_s <= 0.5
    assert rise.size and np.ptp(rise) >= 0.05, "the volume jumped back instead of ramping"


def test_after_kill_9_mid_cue_the_next_start_restores_the_music(room: Room) -> None:
    said(room.say("Ready."))
    room.play_tone()
    speaking = room.say(LONG_CUE)
    try:
        assert wait_for(lambda: (room.tone_volume() or 1.0) < 0.7, 60.0), "never lowered"
        time.sleep(0.5)
        assert speaking.poll() is None, "the cue ended before the kill"
        speaking.send_signal(signal.SIGKILL)
        speaking.wait(timeout=5)
    finally:
        if speaking.poll() is None:
            speaking.kill()
        speaking.communicate(timeout=5)
    time.sleep(1.0)
    assert room.tone_volume() == pytest.approx(volume_factor(-12), abs=0.01)  # left low
    assert len(room.journals()) == 1
    with room.pulse.record_speaker() as recording:
        err = said(room.say("Done.", "duck_others_db = 0"))  # restores even with ducking off
        time.sleep(0.5)
    assert "restored the volume of 1 stream(s) an earlier voicecoach left lowered" in err
    assert room.tone_volume() == pytest.approx(1.0, abs=0.001)
    assert room.journals() == []
    times, level = tone_level_db(recording.samples, recording.rate_hz, window_s=0.05, hop_s=0.01)
    assert median_between(times, level, times[-1] - 0.5, times[-1]) == pytest.approx(
        20 * np.log10(TONE_LEVEL), abs=1.0)


@pytest.mark.parametrize("stop", [signal.SIGINT, signal.SIGTERM])
def test_ctrl_c_or_sigterm_mid_cue_brings_the_music_back_before_exiting(
    room: Room, stop: signal.Signals,
) -> None:
    said(room.say("Ready."))
    room.play_tone()
    speaking = room.say(LONG_CUE)
    try:
        assert wait_for(lambda: (room.tone_volume() or 1.0) < 0.7, 60.0), "never lowered"
        time.sleep(0.3)
        assert speaking.poll() is None, "the cue ended before the signal"
        speaking.send_signal(stop)
        speaking.wait(timeout=10)
    finally:
        if speaking.poll() is None:
            speaking.kill()
        speaking.communicate(timeout=5)
    assert room.tone_volume() == pytest.approx(1.0, abs=0.001)
    assert room.journals() == []


def test_pulse_streams_says_plainly_when_no_server_answers(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("PULSE_SERVER", f"unix:{tmp_path / 'nothing-here'}")
    with pytest.raises(PulseError, match="no PulseAudio server answers"):
        PulseStreams()
