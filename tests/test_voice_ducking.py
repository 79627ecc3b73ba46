"""Ducking other programs' audio under the coach: the ducker on a fake sound server (fast, exact),
then on the private PulseAudio with a real `voicecoach say`, a steady tone and a recording."""

from __future__ import annotations

import dataclasses
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from voicecoach.audio.pulse_streams import PlayingStream, StreamControl
from voicecoach.echo.coach_speech import SpeakingSignal
from voicecoach.files.settings import AudioSettings
from voicecoach.voice.duck_journal import DuckedStream, journal_path, read_journal, write_journal
from voicecoach.voice.ducking import Ducker, NoDucking, Warn, open_ducking, volume_factor

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
    signal = SpeakingSignal()
    signal.add_listener(heard.append)
    signal.stopped()  # nothing playing: nothing to tell
    signal.started("Lower slowly")
    signal.stopped()
    signal.stopped()
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
