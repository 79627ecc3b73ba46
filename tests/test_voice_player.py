"""The priority mixer on a virtual clock, and the sounddevice player on a virtual PulseAudio speaker."""

from __future__ import annotations

import itertools
import threading
import time

import numpy as np
import pytest

from tests.fixtures.pulse import pulse_fixture
from tests.fixtures.voice_out import RATE_HZ, ToneCues, dominant_hz, first_frame_with
from voicecoach.commands import Command
from voicecoach.echo.coach_speech import SpeakingSignal
from voicecoach.errors import AudioDeviceError
from voicecoach.events import (
    CUE_GAP_S,
    CommandHeard,
    Cue,
    CueKind,
    Earcon,
    Event,
    SpeechFinished,
    SpeechStarted,
)
from voicecoach.files import load_settings
from voicecoach.routine import load_routine_text
from voicecoach.session import FakePacer, Runner, Session, Volume
from voicecoach.voice import CueCache, CueMixer, SoundDevicePlayer, WavFileVoice, open_voice
from voicecoach.voice.earcons import earcon_samples
from voicecoach.voice.mixer import VOLUME_RAMP_S
from voicecoach.voice.tts import open_renderer

pulse = pulse_fixture()

S, A, C, N, F = CueKind.SAFETY, CueKind.ACK, CueKind.COUNT, CueKind.INFO, CueKind.FORM

PHRASES = load_settings().settings.commands

ONE_SET = """
name: One set
exercises:
  - name: Leg lifts
    sets: 1
    variations:
      - {name: Lifts, tempo: 2-0-2-0, start_phase: lift, reps: 2}
"""


def run_mixer(offers: list[tuple[float, str, CueKind]], seconds: float = 4.0):
    """Offer tone cues at virtual times, mix `seconds` in 20 ms blocks; return what sounded when."""
    events: list[Event] = []
    speaking = SpeakingSignal(keep=64)
    mixer = CueMixer(ToneCues(), post=events.append, speaking=speaking)
    for at_s, text, kind in offers:
        mixer.offer(Cue(text, kind), at_s)
    block = np.empty(RATE_HZ // 50, dtype=np.float32)
    out = []
    for i in range(int(seconds * 50)):
        mixer.fill(block, i / 50)
        out.append(block.copy())
    spans = [(u.text, round(u.start_s, 3), None if u.end_s is None else round(u.end_s, 3))
             for u in speaking._recent]
    return np.concatenate(out), spans, events, mixer


@pytest.mark.parametrize(
    ("offers", "expected"),
    [
        # a safety cue cuts a long form cue at the very frame it was asked for
        ([(0.0, "440 3", F), (1.0, "1000 0.5", S)],
         [("440 3", 0.0, 1.0), ("1000 0.5", 1.0, 1.5)]),
        # an acknowledgement cuts a count; a count cuts a form cue
        ([(0.0, "440 1", C), (0.25, "700 0.5", A)], [("440 1", 0.0, 0.25), ("700 0.5", 0.25, 0.75)]),
        ([(0.0, "440 2", F), (0.5, "700 0.5", C)], [("440 2", 0.0, 0.5), ("700 0.5", 0.5, 1.0)]),
        # a two-sentence answer is heard whole: acknowledgements wait for each other
        ([(0.0, "440 0.5", A), (0.0, "700 0.5", A)], [("440 0.5", 0.0, 0.5), ("700 0.5", 0.65, 1.15)]),
        # counts never cut info; they wait and play in order, CUE_GAP_S apart
        ([(0.0, "440 1", N), (0.5, "700 0.2", C), (0.6, "800 0.2", C)],
         [("440 1", 0.0, 1.0), ("700 0.2", 1.15, 1.35), ("800 0.2", 1.5, 1.7)]),
        # safety advice ends the set: the count and the phase cue waiting behind what it cut
        # are never said after it (a workout paused for pain heard "And up." next)
        ([(0.0, "440 1", C), (0.0, "700 0.5", N), (0.2, "800 0.3", F), (0.5, "1000 0.5", S)],
         [("440 1", 0.0, 0.5), ("1000 0.5", 0.5, 1.0)]),
        # a cue asked for after the last one ended starts at once, gap or not
        ([(0.0, "440 1", N), (1.05, "700 0.2", C)], [("440 1", 0.0, 1.0), ("700 0.2", 1.05, 1.25)]),
        # a form cue blocked for more than 0.3 s is dropped; one blocked less is played
        ([(0.0, "440 1", N), (0.5, "700 0.5", F)], [("440 1", 0.0, 1.0)]),
        ([(0.0, "440 1", N), (0.9, "700 0.5", F)], [("440 1", 0.0, 1.0), ("700 0.5", 1.15, 1.65)]),
        # the most urgent waiting cue goes first
        ([(0.0, "440 1", N), (0.1, "500 0.2", N), (0.2, "600 0.2", C)],
         [("440 1", 0.0, 1.0), ("600 0.2", 1.15, 1.35), ("500 0.2", 1.5, 1.7)]),
    ],
)
def test_priority_policy(offers, expected):
    _, spans, _, _ = run_mixer(offers)
    assert spans == expected


def test_dropped_form_cue_is_reported_and_silent():
    samples, _, _, mixer = run_mixer([(0.0, "440 1", N), (0.5, "700 0.5", F)])
    assert mixer.dropped == ["700 0.5"]
    assert first_frame_with(samples, 700) is None


def test_mixed_audio_switches_at_the_interrupt():
    samples, _, _, _ = run_mixer([(0.0, "440 3", F), (1.0, "1000 0.5", S)])
    switch = first_frame_with(samples, 1000)
    assert switch is not None and abs(switch - RATE_HZ) <= 441
    assert not np.any(samples[int(1.6 * RATE_HZ):])


def test_events_pair_up_and_skip_earcons():
    _, _, events, _ = run_mixer([(0.0, "440 3", F), (1.0, "1000 0.5", S)])
    assert events == [SpeechStarted("440 3"), SpeechFinished("440 3"),
                      SpeechStarted("1000 0.5"), SpeechFinished("1000 0.5")]


def test_earcon_is_only_cut_by_safety():
    events: list[Event] = []
    speaking = SpeakingSignal()
    mixer = CueMixer(ToneCues(), post=events.append, speaking=speaking)
    mixer.offer_earcon(Earcon.SET_DONE, 0.0)
    mixer.offer(Cue("700 0.3", A), 0.05)
    mixer.fill(np.empty(RATE_HZ, dtype=np.float32), 0.0)
    earcon, ack = speaking._recent
    assert earcon.text == "<set_done>" and earcon.end_s > 0.3  # three notes, not cut
    assert ack.start_s == pytest.approx(earcon.end_s + CUE_GAP_S, abs=1 / RATE_HZ)
    assert events == [SpeechStarted("700 0.3"), SpeechFinished("700 0.3")]

    mixer.offer_earcon(Earcon.UNDERSTOOD, 1.0)
    mixer.offer(Cue("1000 0.3", S), 1.05)
    mixer.fill(np.empty(RATE_HZ, dtype=np.float32), 1.0)
    assert speaking._recent[-2].end_s == pytest.approx(1.05, abs=1 / RATE_HZ)


def test_stop_returns_what_was_never_heard_to_the_end_minus_late_form_cues():
    events: list[Event] = []
    mixer = CueMixer(ToneCues(), post=events.append)
    mixer.offer(Cue("440 1", N), 0.0)
    mixer.offer(Cue("700 0.2", C), 0.1)
    mixer.offer_earcon(Earcon.SET_DONE, 0.2)
    mixer.offer(Cue("600 0.2", F), 0.25)
    mixer.fill(np.empty(RATE_HZ // 2, dtype=np.float32), 0.0)
    mixer.offer(Cue("500 0.2", C), 0.55)  # not yet reached by the mixer's clock
    unheard = mixer.stop(0.6)
    # the cut cue first, then the waiting ones by urgency (a tone is an acknowledgement), then later ones
    assert unheard == [Cue("440 1", N), Earcon.SET_DONE, Cue("700 0.2", C), Cue("500 0.2", C)]
    assert mixer.dropped == ["600 0.2"]
    assert events == [SpeechStarted("440 1"), SpeechFinished("440 1")]
    assert mixer.is_idle and mixer.stop(0.7) == []


def test_volume_scales_samples():
    loud = CueMixer(ToneCues(), volume=1.0)
    quiet = CueMixer(ToneCues(), volume=0.25)
    a, b = np.empty(1000, dtype=np.float32), np.empty(1000, dtype=np.float32)
    for mixer, out in ((loud, a), (quiet, b)):
        mixer.offer(Cue("440 1"), 0.0)
        mixer.fill(out, 0.0)
    assert np.allclose(b, a * 0.25)


def test_a_new_volume_reaches_what_plays_and_what_waits_without_a_click():
    mixer = CueMixer(ToneCues(), volume=1.0)
    mixer.offer(Cue("440 0.5"), 0.0)
    mixer.offer(Cue("660 0.5"), 0.0)  # waiting behind the first
    blocks = [np.empty(RATE_HZ // 50, dtype=np.float32) for _ in range(60)]
    for i, block in enumerate(blocks):
        if i == 10:
            mixer.set_volume(0.5)  # mid-tone, 0.2 s into the first cue
        mixer.fill(block, i / 50)
    out = np.concatenate(blocks)
    reference = CueMixer(ToneCues())
    reference.offer(Cue("440 0.5"), 0.0)
    reference.offer(Cue("660 0.5"), 0.0)
    plain = np.empty_like(out)
    reference.fill(plain, 0.0)
    change, ramp = int(0.2 * RATE_HZ), int(VOLUME_RAMP_S * RATE_HZ)
    assert np.allclose(out[:change], plain[:change])
    assert np.allclose(out[change + ramp :], plain[change + ramp :] * 0.5)  # the 660 too
    # no step larger than the tone's own slope: a jump to half volume at the peak would be 0.25
    assert np.abs(np.diff(out[change - 10 : change + ramp + 10])).max() <= np.abs(
        np.diff(plain[:change])).max() + 1e-4


def test_a_sound_asked_for_after_a_new_volume_starts_at_it():
    """The tone that answers "quieter" is how loud the coach now is, from its first sample."""
    mixer = CueMixer(ToneCues(), volume=1.0)
    mixer.offer(Cue("440 0.2"), 0.0)
    out = np.empty(RATE_HZ // 2, dtype=np.float32)
    mixer.fill(out, 0.0)
    mixer.set_volume(0.5)
    mixer.offer_earcon(Earcon.VOLUME, 0.5)
    mixer.fill(out, 0.5)
    tone = earcon_samples(Earcon.VOLUME, RATE_HZ)
    assert np.allclose(out[: tone.size], tone * 0.5)


# ---- the real player on a virtual speaker ---------------------------------------------------


def onset_after(recording, freq_hz: float, after_s: float) -> float:
    """Monotonic time at which `freq_hz` first sounds on the speaker after `after_s`."""
    samples = recording.samples
    start = max(0, int((after_s - recording.time_of(0)) * RATE_HZ))
    frame = first_frame_with(samples, freq_hz, start=start, window=221)
    assert frame is not None, f"{freq_hz} Hz never reached the speaker"
    return recording.time_of(frame)


@pytest.mark.audio
def test_safety_cue_interrupts_a_long_form_cue_within_100ms(pulse):
    events: list[Event] = []
    player = SoundDevicePlayer(ToneCues(), None, 1.0, events.append, SpeakingSignal())
    try:
        with pulse.record_speaker() as recording:
            time.sleep(0.2)
            player.say(Cue("440 4", F))
            time.sleep(1.0)
            safety_at = time.monotonic()
            player.say(Cue("1000 0.5", S))
            time.sleep(1.0)
    finally:
        player.close()
    heard_at = onset_after(recording, 1000, safety_at - 0.05)
    assert 0.0 <= heard_at - safety_at < 0.100
    tail = recording.samples[int((heard_at + 0.6 - recording.time_of(0)) * RATE_HZ):]
    assert first_frame_with(tail, 440) is None, "the form cue came back after the interruption"
    assert SpeechFinished("440 4") in events


@pytest.fixture(scope="module")
def counts_cache(tmp_path_factory):
    renderer, _ = open_renderer()
    cache = CueCache(renderer, tmp_path_factory.mktemp("cues"))
    cache.prepare(["one", "two", "three", "four", "five", "six"])
    yield cache
    renderer.close()


@pytest.mark.audio
def test_counts_arrive_within_30ms_of_their_scheduled_time(pulse, counts_cache):
    speaking = SpeakingSignal()
    player = SoundDevicePlayer(counts_cache, None, 1.0, None, speaking)
    words = ["one", "two", "three", "four", "five", "six"]
    scheduled: list[float] = []
    try:
        with pulse.record_speaker() as recording:
            begin = time.monotonic() + 0.3
            for i, word in enumerate(words):
                due = begin + i * 0.9 + (i % 3) * 0.013  # not in step with the block clock
                # said the speaker's buffer ahead, as the pacer does (SchedulerPacer.say_ahead_s)
                while (left := due - player.latency_s - time.monotonic()) > 0:
                    time.sleep(min(left, 0.002))
                scheduled.append(time.monotonic() + player.latency_s)
                player.say(Cue(word, C))
            time.sleep(1.0)
    finally:
        player.close()
    onsets = [recording.time_of(f) for f in recording.onsets(threshold=0.02, min_gap_s=0.2)]
    heard = [min((t for t in onsets if t >= due - 0.01), default=np.inf) for due in scheduled]
    # a word that begins softly (Piper's "th" of "three") crosses the threshold some ms into
    # its own audio: that is the word, not the player being late
    rises = [np.flatnonzero(np.abs(counts_cache.audio(w)) > 0.02)[0] / counts_cache.rate_hz
             for w in words]
    lateness_ms = [round((h - due - rise) * 1000, 1)
                   for h, due, rise in zip(heard, scheduled, rises, strict=True)]
    # said a buffer ahead, a count can be a few ms early too: the buffer's length is an estimate
    assert all(abs(ms) < 30 for ms in lateness_ms), lateness_ms
    # the speaking signal's timestamps are the real ones too
    starts = [u.start_s for u in speaking._recent]
    assert all(abs(s + rise - h) < 0.02 for s, h, rise in zip(starts, heard, rises, strict=True))


@pytest.mark.audio
def test_earcons_reach_the_speaker(pulse):
    player = SoundDevicePlayer(ToneCues(), None, 1.0)
    try:
        with pulse.record_speaker() as recording:
            time.sleep(0.1)
            said_at = time.monotonic()
            player.earcon(Earcon.UNDERSTOOD)
            heard_at = said_at + player.latency_s  # an answer is heard a buffer after it is said
            assert player.wait_idle(2.0)
    finally:
        player.close()
    assert onset_after(recording, 660, said_at) - heard_at < 0.05
    assert onset_after(recording, 880, said_at) - heard_at < 0.2


SINE_RMS_DB = 20 * np.log10(0.5 / np.sqrt(2))
"""A ToneCues tone (amplitude 0.5) at full volume: -9.03 dBFS."""


def plateaus_db(samples: np.ndarray, window_s: float = 0.05, min_s: float = 0.3) -> list[float]:
    """The steady levels a recording holds, in order, in dB full scale (RMS of `window_s` windows;
    a level counts when it holds within 0.3 dB for `min_s`), found from the sound alone, so a
    busy machine's late stream start or dropout moves no window."""
    size = int(window_s * RATE_HZ)
    windows = samples[: samples.size // size * size].astype(np.float64).reshape(-1, size)
    levels = 10 * np.log10(np.mean(windows**2, axis=1) + 1e-12)
    runs: list[list[float]] = []
    for level in levels:
        if runs and abs(level - runs[-1][-1]) < 0.3:
            runs[-1].append(level)
        else:
            runs.append([level])
    plateaus: list[float] = []
    for run in runs:
        level = float(np.median(run))
        if len(run) * window_s < min_s or level < -60:
            continue
        if not plateaus or abs(level - plateaus[-1]) >= 0.3:  # an underrun splits no level
            plateaus.append(level)
    return plateaus


@pytest.mark.audio
def test_louder_and_quieter_move_the_speaker_by_the_step(pulse):
    """The whole path: command -> session -> SetVolume -> runner -> player -> speaker."""
    start = 10 ** (-6 / 20)
    session = Session(load_routine_text(ONE_SET), PHRASES, volume=Volume(start, 3.0))
    player = SoundDevicePlayer(ToneCues(), None, start)
    runner = Runner(session, player, FakePacer())
    try:
        with pulse.record_speaker() as recording:
            time.sleep(0.1)
            player.say(Cue("440 4", N))  # one long tone: what changes is only its level
            for command in (Command.QUIETER, Command.LOUDER, Command.LOUDER):
                time.sleep(1.0)
                runner.dispatch(CommandHeard(command))
            assert player.wait_idle(3.0)
    finally:
        player.close()
    levels = plateaus_db(recording.samples)
    steps = [round(b - a, 2) for a, b in itertools.pairwise(levels)]
    print(f"speaker RMS {[round(level, 2) for level in levels]} dBFS: steps of {steps} dB")
    assert levels[0] == pytest.approx(SINE_RMS_DB - 6.0, abs=0.1)  # the level it started at
    assert steps == pytest.approx([-3.0, +3.0, +3.0], abs=0.1)
    assert session.snapshot().volume == pytest.approx(10 ** (-3 / 20))


@pytest.mark.audio
def test_say_from_many_threads_is_safe(pulse):
    events: list[Event] = []
    player = SoundDevicePlayer(ToneCues(), None, 1.0, events.append)
    try:
        threads = [threading.Thread(target=player.say, args=(Cue(f"{300 + 50 * i} 0.05", C),))
                   for i in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        # ~1.6 s of cues and gaps, plus room for a busy machine (a timeout, not a measure)
        assert player.wait_idle(6.0)
    finally:
        player.close()
    assert sum(isinstance(e, SpeechFinished) for e in events) == 8


def with_output_device(settings, device: str):
    """The same settings with another [audio] output_device."""
    return settings.model_copy(update={"audio": settings.audio.model_copy(
        update={"output_device": device})})


@pytest.mark.audio
def test_open_voice_picks_the_speaker_file_or_complains(pulse, tmp_path, counts_cache):
    settings = load_settings().settings
    voice, note = open_voice(settings, lambda event: None, cache=counts_cache)
    try:
        assert isinstance(voice, SoundDevicePlayer) and note == "speaking through default"
    finally:
        voice.close()
    voice, note = open_voice(settings, lambda event: None, tmp_path / "out.wav", cache=counts_cache)
    voice.close()
    assert isinstance(voice, WavFileVoice) and str(tmp_path / "out.wav") in note
    with pytest.raises(AudioDeviceError, match="no output device matches 'headphones'"):
        open_voice(with_output_device(settings, "headphones"), lambda event: None,
                   cache=counts_cache)


def test_cues_are_resampled_for_a_device_with_another_rate():
    mixer = CueMixer(ToneCues(), rate_hz=44_100)
    mixer.offer(Cue("440 1"), 0.0)
    mixer.offer_earcon(Earcon.SET_DONE, 0.0)
    out = np.empty(2 * 44_100, dtype=np.float32)
    mixer.fill(out, 0.0)
    loud = np.flatnonzero(np.abs(out) > 0.01)
    assert loud[-1] / 44_100 == pytest.approx(0.33 + CUE_GAP_S + 1.0, abs=0.01)
    assert dominant_hz(out[22_050:22_932], 44_100) == pytest.approx(440, abs=50)  # pitch kept
