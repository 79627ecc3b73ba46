"""`voicecoach run` for real on virtual audio: spoken commands in, the coach's voice out.

Real clock, real recognizer (Whisper tiny.en, what `run --offline` picks without a Vosk model),
real TTS and real sounddevice streams; the test speaks synthesized commands into a virtual
microphone at moments a person would (in gaps of the coach's speech), records the virtual
speaker, follows the run through its live `--timeline`, and checks the history database it saves.
"""

from __future__ import annotations

import itertools
import json
import time
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext

import numpy as np
import pytest

from tests.fixtures.e2e import TEMPO, Workout, speaker_level, workout
from tests.fixtures.pulse import pulse_fixture
from voicecoach.session import wording
from voicecoach.views import TimelineRecord

pytestmark = [pytest.mark.audio, pytest.mark.slow]

pulse = pulse_fixture()

SILENT = 0.01
"""Peak speaker level that counts as silence (the coach speaks at ~0.3-0.9)."""

def between(run: Workout, first: TimelineRecord, last: TimelineRecord) -> list[TimelineRecord]:
    """Timeline records after `first` and before `last`, in order."""
    records = run.timeline.records
    return records[records.index(first) + 1 : records.index(last)]


def test_start_pause_resume_easier_and_stop_by_voice(pulse, tmp_path) -> None:
    with pulse.record_speaker() as speaker, workout(pulse, tmp_path, reps=8) as run:
        start = run.command("start", "start", when=run.quiet)
        assert start.state == "count_in"
        first = run.wait_for_onset(1, "lift", 20.0)
        countdown = [r.detail for r in between(run, start, first) if r.event == "countdown"]
        assert countdown == ["3", "2", "1"]

        # "pause" in the middle of a lowering phase
        pause = run.command("pause", "pause", when=run.in_phase("lower"))
        assert (pause.state, pause.phase) == ("paused", "lower")
        lower = run.timeline.onset(pause.rep, "lower")
        left_s = lower.time_s + TEMPO["lower"] - pause.time_s
        time.sleep(left_s + 2.5)  # past where the next rep would have been counted
        resume = run.command("resume", "resume", when=run.quiet)
        assert resume.state == "working"
        after = run.wait_for_onset(pause.rep + 1, "lift", 10.0)
        # the lowering phase went on for just what it had left when paused
        assert after.time_s - resume.time_s == pytest.approx(left_s, abs=0.35)
        paused = between(run, pause, resume)
        assert [r.text for r in paused if r.event == "cue"] == [wording.PAUSED]
        assert not [r for r in paused if r.event in ("phase", "countdown", "end")]
        assert {r.text for r in paused if r.event == "speech"} <= {wording.PAUSED}
        ack_end_s = max([e for t, _, e in run.timeline.speech_spans() if t == wording.PAUSED],
                        default=pause.time_s)
        assert ack_end_s < resume.time_s - 1.0
        assert speaker_level(speaker, run.timeline, ack_end_s + 0.2, resume.time_s - 1.0) < SILENT

        # "easier": the answer names the gentler variation, which takes over at the next rep
        easier = run.command("easier", "easier", when=run.in_phase("lower", min_rep=after.rep))
        assert easier.variation == "straight-leg"
        answer = "Okay, gentler from the next rep: Bent-knee lifts."
        run.wait_for_record("speech", 6.0, detail="started", text=answer)
        switched = run.wait_for_onset(easier.rep + 1, "lift", 10.0)
        assert switched.variation == "bent-knee"
        assert run.timeline.onset(easier.rep, "lower").variation == "straight-leg"
        run.wait_for(lambda: any("Knees bent, back flat." in (r.text or "")
                                 for r in run.timeline.where("speech", detail="started")),
                     12.0, "the new variation's key cue")

        stop = run.command("stop", "stop", when=run.quiet)
        assert stop.state == "stopped"
        assert run.wait_exit() == 0
    assert run.history_rows("SELECT routine, status FROM sessions") == [
        ("End-to-end leg lifts", "stopped")]
    kinds = [k for (k,) in run.history_rows("SELECT kind FROM events ORDER BY id")]
    for kind in ("started", "paused", "resumed", "easier", "stopped"):
        assert kind in kinds
    # the coach really spoke: the speaker carried sound while the timeline says it was talking
    _, start_s, end_s = next(s for s in run.timeline.speech_spans() if s[0] == answer)
    assert speaker_level(speaker, run.timeline, start_s, end_s) > 0.1


ECHO_LATENCY_MS = 200
"""The loop's delay: a sound card's output plus input latency is typically 50-250 ms. At 30 ms,
PulseAudio's loopback keeps re-tuning its resampler to hold the latency, and that wandering echo
path is something no room does (the canceller measured 18 dB at 30 ms, 34 dB at 300 ms)."""


@contextmanager
def echo(pulse) -> Iterator[None]:
    """The speaker looped back into the microphone (a laptop on the floor, no headset)."""
    module = pulse.enable_echo(latency_ms=ECHO_LATENCY_MS)
    try:
        yield
    finally:
        pulse.disable_echo(module)


def test_with_echo_a_whole_set_runs_without_obeying_its_own_cues(pulse, tmp_path) -> None:
    with (echo(pulse), pulse.record_speaker() as speaker, pulse.record_microphone() as mic,
          workout(pulse, tmp_path, reps=4) as run):
        run.command("start", "start", when=run.quiet)
        assert run.wait_exit(timeout_s=70.0) == 0
    commands = [r.detail for r in run.timeline.where("command")]
    heard = run.timeline.where("heard")
    print(f"echo: {len(heard)} utterances decoded while the coach spoke:",
          [(r.text, r.data and r.data["confidence"], r.detail) for r in heard])
    assert commands == ["start"], "the coach obeyed its own voice"
    assert run.timeline.records[-1].state == "finished"
    assert run.history_rows("SELECT status FROM sessions") == [("finished",)]
    assert run.history_rows("SELECT reps_done FROM sets") == [(4,)]
    # the loop really fed the coach's voice to the microphone (ECHO_LATENCY_MS later). Not "the
    # ears decoded some of it": on an idle machine the canceller took it all away, nothing was
    # decoded, and that is no proof the loop was off.
    spans = run.timeline.speech_spans()
    _, start_s, end_s = spans[len(spans) // 2]
    assert speaker_level(speaker, run.timeline, start_s, end_s) > 0.1
    late_s = ECHO_LATENCY_MS / 1000
    assert speaker_level(mic, run.timeline, start_s + late_s, end_s + late_s) > 0.05


@pytest.mark.parametrize("has_echo", [
    pytest.param(False, id="headset"),
    pytest.param(True, id="echo"),
])
def test_stop_said_over_the_coach_still_stops(pulse, tmp_path, has_echo: bool) -> None:
    def coach_starts_a_long_cue() -> bool:
        r = run.timeline.records[-1]
        return (r.event == "speech" and r.detail == "started" and r.state == "working"
                and r.rep >= 1 and run.timeline.where("cue", text=r.text)[-1].duration_s >= 1.0)

    with echo(pulse) if has_echo else nullcontext(), workout(pulse, tmp_path, reps=6) as run:
        run.command("start", "start", when=run.quiet)
        # the lead is short so the word lands inside the cue (PulseAudio eats ~0.1 s of it)
        stop = run.command("stop", "stop", when=coach_starts_a_long_cue, lead_s=0.25)
        assert stop.state == "stopped"
        assert run.wait_exit() == 0
    said = [r for r in run.timeline.where("heard", detail="admitted")
            if r.data and r.data["command"] == "stop"][-1]
    assert said.data is not None
    spans = run.timeline.speech_spans()
    assert any(s <= said.data["end_s"] and said.data["start_s"] <= e for _, s, e in spans), (
        "the stop that was obeyed did not overlap the coach's speech")
    assert run.history_rows("SELECT status FROM sessions") == [("stopped",)]


def test_the_safety_phrase_stops_the_set(pulse, tmp_path) -> None:
    with pulse.record_speaker() as speaker, workout(pulse, tmp_path, reps=6) as run:
        run.command("start", "start", when=run.quiet)
        safety = run.command("my back hurts", "safety", when=run.in_phase("lower"))
        assert safety.state == "paused"
        answer = wording.safety_response(None).split(".")[0]  # "End the set now"
        spoken = run.wait_for_record("speech", 3.0, detail="started", state="paused")
        assert spoken.text is not None and spoken.text.startswith(answer)
        finished = run.wait_for_record("speech", 10.0, detail="finished", text=spoken.text)
        time.sleep(3.0)  # a 4-0-2-0 rep would have counted on by now
        run.timeline.poll()
        later = between(run, safety, run.timeline.records[-1])
        assert not [r for r in later if r.event in ("phase", "countdown", "end")]
        quiet_to_s = run.timeline.now_s() - 0.3
        assert speaker_level(speaker, run.timeline, finished.time_s + 0.2, quiet_to_s) < SILENT
        run.command("stop", "stop", when=run.quiet)
        assert run.wait_exit() == 0
    kinds = [k for (k,) in run.history_rows("SELECT kind FROM events ORDER BY id")]
    assert "safety" in kinds


def earcon_peak(recording, run: Workout, tone: TimelineRecord, freq_hz: float) -> float:
    """Peak level of the tone asked for at `tone` as the speaker carried it: its first 20 ms
    window of nearly pure `freq_hz` within 3 s (it may wait for a cue to end; speech is never
    that pure, though it can have its strongest partial there)."""
    origin_s = run.timeline.session_time(recording.time_of(0))
    start = max(0, int((tone.time_s - 0.1 - origin_s) * recording.rate_hz))
    window = 441
    freqs = np.fft.rfftfreq(window, 1 / recording.rate_hz)
    near = np.abs(freqs - freq_hz) < 120
    samples = recording.samples
    for frame in range(start, min(samples.size, start + 3 * recording.rate_hz) - window, 55):
        part = samples[frame : frame + window]
        if np.abs(part).max() < 0.02:
            continue
        power = np.abs(np.fft.rfft(part * np.hanning(window))) ** 2
        if power[near].sum() > 0.95 * power.sum():
            return float(np.abs(part).max())
    raise AssertionError(f"the {tone.detail} tone never reached the speaker")


def test_quieter_and_louder_by_voice_step_the_speaker_and_are_kept(pulse, tmp_path,
                                                                   monkeypatch) -> None:
    data = tmp_path / "data"
    monkeypatch.setenv("VOICECOACH_DATA_DIR", str(data))
    with pulse.record_speaker() as speaker, workout(pulse, tmp_path, reps=8) as run:
        run.command("start", "start", when=run.quiet)
        first = run.wait_for_onset(1, "lift", 20.0)
        said = []
        for phrase in ("quieter", "volume down", "louder"):
            record = run.command(phrase, "louder" if phrase == "louder" else "quieter",
                                 when=run.in_phase("lower"))
            assert record.state == "working"
            said.append(record)
        run.wait_for(lambda: len(run.timeline.where("earcon", detail="volume")) == 3, 5.0,
                     "three volume tones")
        tones = run.timeline.where("earcon", detail="volume")
        later = run.wait_for_onset(said[-1].rep + 1, "lift", 10.0)
        run.command("stop", "stop", when=run.quiet)
        assert run.wait_exit() == 0
    # the tone after each command sounds at the new level: 0.9 -> -3, -6, -3 dB (of full scale)
    peaks = [earcon_peak(speaker, run, tone, 587.33) for tone in tones]
    steps_db = [round(float(20 * np.log10(b / a)), 2) for a, b in itertools.pairwise(peaks)]
    print(f"volume tone peaks {[round(p, 3) for p in peaks]}: steps of {steps_db} dB")
    assert peaks[0] == pytest.approx(0.5 * 10 ** (-3 / 20), rel=0.03)  # LEVEL x -3 dB
    assert steps_db == pytest.approx([-3.0, 3.0], abs=0.25)
    # the pacing never moved: every rep's lift stays on the 6 s grid of the first one
    assert (later.time_s - first.time_s) == pytest.approx(6.0 * (later.rep - 1), abs=0.15)
    assert not [r for r in run.timeline.records if r.event == "command"
                and r.detail not in ("start", "quieter", "louder", "stop")]
    kept = json.loads((data / "volume.json").read_text(encoding="utf-8"))
    assert kept == {"volume": pytest.approx(10 ** (-3 / 20)), "settings_volume": 0.9}
    assert "kept for the next workout" in run.stderr.read_text()
