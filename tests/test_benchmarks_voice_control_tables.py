"""The voice-control benchmark's tables: per command, confusion, stop heard as go, the curve,
and a real-speech row that says "unavailable" when no package could be had."""

from __future__ import annotations

import numpy as np
import pytest

from benchmarks import real_speech, voice_control
from benchmarks.voice_control import REAL_STRETCH, Score
from voicecoach.commands import Command


def test_real_speech_row_is_unavailable_offline(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(real_speech, "load", lambda *a, **k: real_speech.RealSpeech(
        unavailable={"hedgewars-data": "E: Unable to locate package hedgewars-data"}))
    audio, spans, note = voice_control.real_speech_stretch({}, "test", quick=True)
    assert len(audio) == 0 and spans == []
    assert note.startswith("unavailable (hedgewars-data: E: Unable to locate")


def _score() -> Score:
    score = Score()
    for said, outcome, n in (("stop", "stop", 3), ("stop", "start", 1), ("pause", "nothing", 2),
                             ("pause", "pause", 2)):
        score.confusion[said][outcome] += n
        score.by_command[said] += [outcome == said] * n
    score.dangerous.append('"stop" -> start (clean, en-us/s165/p50)')
    score.accepted["clean"] = [True, False]
    score.wrong["clean"] = [False, True]
    score.by_phrase["stop"] = [True]
    score.latency_s["clean"] = [0.2, 0.3]
    score.right_confidence["clean"] = [0.9, 0.0]
    score.right_confidence["babble@10dB"] = [0.7, 0.4]
    score.false_accepts = {"other speech": (1, 600.0, ["Stop."]),
                           REAL_STRETCH: (0, 0.0, []), "fan noise": (0, 60.0, [])}
    score.false_confidence = {"other speech": [0.8], REAL_STRETCH: [], "fan noise": [0.2]}
    return score


def test_curve_lowers_acceptance_and_false_accepts_together() -> None:
    points = voice_control.operating_points(_score())
    floors = [p["floor"] for p in points]
    assert floors == sorted(floors)
    at = {p["floor"]: p for p in points}
    assert at[0.5]["all"] == 0.5 and at[0.5]["10dB"] == 0.5
    assert at[0.5]["false_per_hour_speech"] == 6.0 and at[0.85]["false_per_hour_speech"] == 0.0
    assert np.isnan(at[0.5]["false_per_hour_real"])  # no real speech: no number, not 0
    assert at[0.0]["false_per_hour_noise"] == 60.0


def test_markdown_has_per_command_confusion_and_danger_rows() -> None:
    record = {**voice_control.summary("whisper", _score(), {"cpu_pct": 1.0, "peak_mb": 9.0}),
              "notes": {REAL_STRETCH: "unavailable (offline)"}}
    text = voice_control.markdown([record])
    assert f"| {REAL_STRETCH} | unavailable |" in text
    assert "real speech (people): unavailable (offline)" in text
    assert "| stop | 75.0 % |" in text
    assert "| **stop/safety heard as start/resume/harder/faster** | **1** |" in text
    assert "| stop | **3** |  | 1 |  |" in text
    assert '"stop" -> start (clean' in text
    assert Command.PAUSE.value in record["confusion"]


def test_quick_conditions_are_clean_every_noise_at_10_db_and_a_room() -> None:
    from voicecoach.sim.synth import Noise

    labels = [c.label for c in voice_control.benchmark_conditions(quick=True)]
    assert labels == ["clean", *(f"{n}@10dB" for n in Noise), "reverb0.6s"]
    full = [c.label for c in voice_control.benchmark_conditions(quick=False)]
    assert "babble@5dB" in full and full[-1] == "reverb0.6s+babble@10dB"


def test_the_curve_is_drawn_to_a_png(tmp_path) -> None:
    pytest.importorskip("matplotlib")
    record = voice_control.summary("whisper", _score(), {})
    path = voice_control.plot_curve([record], tmp_path / "curve.png")
    assert path is not None and path.read_bytes()[:4] == b"\x89PNG"
