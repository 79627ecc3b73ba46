"""Losing the speaker mid-workout: cues are printed (said once), and the voice comes back with it."""

from __future__ import annotations

import io
import re
import sys
import threading
import time
from collections.abc import Callable
from types import SimpleNamespace

import numpy as np
import pytest

from tests.fixtures.pulse import MIC_RATE_HZ, SPEAKER_RATE_HZ, pulse_fixture
from tests.fixtures.voice_out import ToneCues, first_frame_with
from voicecoach.errors import AudioDeviceError
from voicecoach.events import Cue, CueKind, Earcon, Event, SpeechFinished, SpeechStarted
from voicecoach.voice import PrintedVoice, SoundDevicePlayer
from voicecoach.voice.output_stream import StreamCallback

pulse = pulse_fixture()

C, F = CueKind.COUNT, CueKind.FORM
BLOCK_FRAMES = 1024
"""46 ms blocks: a Python thread keeps that pace even on a busy machine."""
LOST = "lost the speaker ({}): printing the cues until it is back"


def wait_until(predicate: Callable[[], object], timeout_s: float) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.01)
    return bool(predicate())


class FakeStream:
    """A sound card's stream in miniature: a thread pulls blocks through the callback in real time."""

    latency = 0.01

    def __init__(self, rate_hz: int, callback: StreamCallback, on_finished: Callable[[], None]) -> None:
        self.samplerate = float(rate_hz)
        self.blocks: list[np.ndarray] = []
        self.is_closed = False
        self._callback = callback
        self._on_finished = on_finished
        self._is_pulling = threading.Event()
        self._is_pulling.set()
        self.dry_blocks = 0
        """The next this many callbacks say the device ran dry before them (underruns)."""
        self._thread = threading.Thread(target=self._pull, daemon=True)
        self._thread.start()

    def _pull(self) -> None:
        no_dac_time = SimpleNamespace(outputBufferDacTime=0.0, currentTime=0.0)
        while self._is_pulling.is_set():
            out = np.zeros((BLOCK_FRAMES, 1), dtype=np.float32)
            status = SimpleNamespace(output_underflow=self.dry_blocks > 0)  # CallbackFlags
            self.dry_blocks = max(0, self.dry_blocks - 1)
            self._callback(out, BLOCK_FRAMES, no_dac_time, status)
            self.blocks.append(out[:, 0].copy())
            time.sleep(BLOCK_FRAMES / self.samplerate)

    @property
    def played(self) -> np.ndarray:
        """Every sample the stream took from the player."""
        return np.concatenate(self.blocks) if self.blocks else np.zeros(0, dtype=np.float32)

    def stall(self) -> None:
        """Stop asking for blocks, without a word (a suspended sink)."""
        self._is_pulling.clear()
        self._thread.join()

    def die(self) -> None:
        """Stop and call the finished callback (PortAudio, when the device vanishes)."""
        self.stall()
        self._on_finished()

    def abort(self) -> None:
        self._is_pulling.clear()

    def close(self) -> None:
        self.is_closed = True


class FakeOutput:
    """An Output (voice/output_stream.py) whose device can be unplugged and plugged back in."""

    name = "fake speaker"

    def __init__(self) -> None:
        self.is_plugged = True
        self.is_flaky = False
        """Streams open, then die at once (a device half back)."""
        self.streams: list[FakeStream] = []
        self.refused = 0

    def open(self, rate_hz: int, callback: StreamCallback,
             on_finished: Callable[[], None]) -> FakeStream:
        if not self.is_plugged:
            self.refused += 1
            raise AudioDeviceError("cannot play on output device 'fake speaker': unplugged")
        stream = FakeStream(rate_hz, callback, on_finished)
        self.streams.append(stream)
        if self.is_flaky:
            stream.die()
        return stream

    def unplug(self, *, is_silent: bool = False) -> None:
        """The device goes: its stream dies (or, `is_silent`, just stops pulling)."""
        self.is_plugged = False
        stream = self.streams[-1]
        if is_silent:
            stream.stall()
        else:
            stream.die()


def fake_player(output: FakeOutput, printed: io.StringIO, events: list[Event],
                stall_s: float = 0.3) -> SoundDevicePlayer:
    return SoundDevicePlayer(
        ToneCues(), None, 1.0, events.append, block_frames=BLOCK_FRAMES, output=output,
        fallback=PrintedVoice(events.append, printed), stall_s=stall_s, retry_s=0.05,
    )


def lines_of(printed: io.StringIO) -> list[str]:
    """Printed lines without their `[  12.3 s] ` times."""
    return [re.sub(r"^\[ *[\d.]+ s\] ", "", line) for line in printed.getvalue().splitlines()]


def test_a_lost_speaker_is_said_once_cues_are_printed_and_the_voice_comes_back() -> None:
    output, printed, events = FakeOutput(), io.StringIO(), []
    player = fake_player(output, printed, events)
    try:
        player.say(Cue("440 0.2", C))
        assert player.wait_idle(2.0)
        output.unplug()
        assert wait_until(lambda: player.is_lost, 2.0)
        player.say(Cue("700 0.2", C))
        player.earcon(Earcon.SET_DONE)
        assert wait_until(lambda: output.refused >= 3, 2.0), "the device is not tried again"
        assert lines_of(printed) == [LOST.format("the output stream stopped"), "  700 0.2",
                                     "  (set done)"]
        output.is_plugged = True
        assert wait_until(lambda: not player.is_lost, 2.0)
        player.say(Cue("880 0.2", C))
        assert player.wait_idle(2.0)
    finally:
        player.close()
    assert first_frame_with(output.streams[0].played, 440) is not None
    assert first_frame_with(output.streams[-1].played, 880) is not None
    assert "880 0.2" not in printed.getvalue()
    assert lines_of(printed)[3:] == ["the speaker (fake speaker) is back: speaking again"]
    assert events == [SpeechStarted("440 0.2"), SpeechFinished("440 0.2"),
                      SpeechStarted("700 0.2"), SpeechFinished("700 0.2"),
                      SpeechStarted("880 0.2"), SpeechFinished("880 0.2")]


def test_a_stalled_speaker_is_lost_and_what_it_never_played_is_printed() -> None:
    output, printed, events = FakeOutput(), io.StringIO(), []
    player = fake_player(output, printed, events, stall_s=0.5)
    try:
        player.say(Cue("440 3", F))
        assert wait_until(lambda: SpeechStarted("440 3") in events, 2.0)
        output.unplug(is_silent=True)
        player.say(Cue("700 0.2", C))
        player.say(Cue("600 0.2", F))  # a form cue 0.5 s late is dropped, printed or not
        assert wait_until(lambda: player.is_lost, 2.0)
        stalled = output.streams[0]
        assert player.mixer.dropped == ["600 0.2"]
    finally:
        player.close()
    assert lines_of(printed) == [LOST.format("no sound went out for 0.5 s"), "~ 440 3", "  700 0.2"]
    assert stalled.is_closed, "the stalled stream was not released"
    assert events[:2] == [SpeechStarted("440 3"), SpeechFinished("440 3")]


def test_the_speaker_is_back_only_once_it_plays_steadily() -> None:
    output, printed, events = FakeOutput(), io.StringIO(), []
    player = fake_player(output, printed, events)
    try:
        output.unplug()
        assert wait_until(lambda: player.is_lost, 2.0)
        output.is_flaky, output.is_plugged = True, True
        assert wait_until(lambda: len(output.streams) >= 4, 2.0)
        assert player.is_lost
        assert all(stream.is_closed for stream in output.streams[:-1])
        output.is_flaky = False
        assert wait_until(lambda: not player.is_lost, 2.0)
    finally:
        player.close()
    assert lines_of(printed)[1:] == ["the speaker (fake speaker) is back: speaking again"]


def test_a_speaker_that_ran_dry_says_so_when_it_closes(capsys) -> None:
    output, printed, events = FakeOutput(), io.StringIO(), []
    player = fake_player(output, printed, events)
    try:
        output.streams[-1].dry_blocks = 3
        assert wait_until(lambda: player.underruns == 3, 2.0)
        assert not player.is_lost, "a device that ran dry is still there"
    finally:
        player.close()
    assert capsys.readouterr().err == (
        "voicecoach: the speaker ran dry 3 time(s): the computer was too busy to feed it in "
        "time, so the coach's voice had short gaps (closing other programs helps)\n")
    assert printed.getvalue() == ""


def test_a_speaker_that_never_ran_dry_closes_without_a_word(capsys) -> None:
    output, printed, events = FakeOutput(), io.StringIO(), []
    player = fake_player(output, printed, events)
    player.say(Cue("440 0.2", C))
    assert player.wait_idle(2.0)
    player.close()
    assert player.underruns == 0
    assert capsys.readouterr().err == ""


def test_closing_while_the_speaker_is_lost_stops_the_retries() -> None:
    output, printed, events = FakeOutput(), io.StringIO(), []
    player = fake_player(output, printed, events)
    output.unplug()
    assert wait_until(lambda: player.is_lost, 2.0)
    began = time.monotonic()
    player.close()
    assert time.monotonic() - began < 0.5
    refused = output.refused
    time.sleep(0.2)
    assert output.refused == refused


def test_a_speaker_missing_at_the_start_is_an_error_not_a_fallback() -> None:
    output = FakeOutput()
    output.is_plugged = False
    with pytest.raises(AudioDeviceError, match="unplugged"):
        fake_player(output, io.StringIO(), [])


def test_printed_voice_prints_to_stdout_as_it_is_when_printing(monkeypatch) -> None:
    voice = PrintedVoice()
    panel = io.StringIO()  # the live panel swaps sys.stdout for its own proxy after we start
    monkeypatch.setattr(sys, "stdout", panel)
    voice.say(Cue("three", C))
    voice.notice("the speaker is back")
    assert lines_of(panel) == ["  three", "the speaker is back"]


# ---- the real player on a virtual PulseAudio speaker --------------------------------------


def unload(pulse, name: str) -> None:
    """Unload the module whose arguments contain `name` (e.g. `sink_name=spk`)."""
    modules = pulse.pactl("list", "short", "modules").splitlines()
    pulse.pactl("unload-module", next(line.split()[0] for line in modules if name in line))


SPK = "module-null-sink", "sink_name=spk", f"rate={SPEAKER_RATE_HZ}", "channels=1"
MIC = "module-null-sink", "sink_name=micsink", f"rate={MIC_RATE_HZ}", "channels=1"
VMIC = "module-remap-source", "master=micsink.monitor", "source_name=vmic"


@pytest.fixture
def only_speaker(pulse):
    """The daemon with `spk` as its only sink: unloading it loses the speaker (with another
    sink left, PulseAudio moves the stream there). Puts the microphone back afterwards."""
    unload(pulse, "source_name=vmic")
    unload(pulse, "sink_name=micsink")
    yield pulse
    if "sink_name=spk" not in pulse.pactl("list", "short", "modules"):
        pulse.pactl("load-module", *SPK)
    pulse.pactl("load-module", *MIC)
    pulse.pactl("load-module", *VMIC)
    pulse.pactl("set-default-sink", "spk")
    pulse.pactl("set-default-source", "vmic")
    pulse.keep_clocked("spk", SPEAKER_RATE_HZ)
    pulse.keep_clocked("micsink", MIC_RATE_HZ)


@pytest.mark.audio
def test_unloading_the_sink_prints_cues_and_loading_it_again_brings_the_voice_back(
    only_speaker,
) -> None:
    pulse = only_speaker
    printed, events = io.StringIO(), []
    player = SoundDevicePlayer(ToneCues(), None, 1.0, events.append,
                               fallback=PrintedVoice(events.append, printed))
    try:
        player.say(Cue("440 3", F))
        assert wait_until(lambda: SpeechStarted("440 3") in events, 2.0)
        unload(pulse, "sink_name=spk")
        assert wait_until(lambda: player.is_lost, 3.0), "the loss was not noticed"
        player.say(Cue("700 0.3", C))
        pulse.pactl("load-module", *SPK)
        assert wait_until(lambda: not player.is_lost, 10.0), "the return was not noticed"
        with pulse.record_speaker() as recording:
            time.sleep(0.1)
            player.say(Cue("880 0.5", C))
            assert player.wait_idle(3.0)
    finally:
        player.close()
    assert lines_of(printed) == [LOST.format("the output stream stopped"), "~ 440 3", "  700 0.3",
                                 "the speaker (default) is back: speaking again"]
    assert first_frame_with(recording.samples, 880) is not None, "the voice did not come back"
    assert SpeechFinished("880 0.5") in events


@pytest.mark.audio
def test_a_real_speaker_starved_of_the_gil_counts_the_gap_and_plays_on(pulse, capsys) -> None:
    events: list[Event] = []
    player = SoundDevicePlayer(ToneCues(), None, 1.0, events.append)
    try:
        player.say(Cue("440 1.5", F))
        assert wait_until(lambda: SpeechStarted("440 1.5") in events, 2.0)
        before = player.underruns  # a loaded machine may already have run it dry
        sum(range(30_000_000))  # one C call: the callback waits for the GIL for ~0.3 s
        assert wait_until(lambda: SpeechFinished("440 1.5") in events, 3.0)
        assert player.underruns > before
        assert not player.is_lost
    finally:
        player.close()
    assert "voicecoach: the speaker ran dry" in capsys.readouterr().err


def test_a_process_with_a_speaker_switches_the_gil_often_enough_for_its_callback() -> None:
    # at Python's default 5 ms a busy thread starved the callback into underruns: gaps in the
    # coach's voice (output_stream.py, GIL_SWITCH_S)
    from voicecoach.voice.output_stream import GIL_SWITCH_S

    before = sys.getswitchinterval()
    sys.setswitchinterval(0.005)
    output, printed, events = FakeOutput(), io.StringIO(), []
    player = fake_player(output, printed, events)
    try:
        assert sys.getswitchinterval() == pytest.approx(GIL_SWITCH_S)
    finally:
        player.close()
        sys.setswitchinterval(before)
