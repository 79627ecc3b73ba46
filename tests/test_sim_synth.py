"""Synthetic speech (espeak-ng), and noise at a chosen SNR."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from voicecoach.audio import SAMPLE_RATE_HZ
from voicecoach.errors import SpeechError
from voicecoach.sim.synth import Noise, make_noise, mix_noise, pad, speech_rms, synthesize


@pytest.fixture(scope="module")
def speech() -> np.ndarray:
    return synthesize("make it easier", "en-gb+f3", 160, 60)


def test_synthesize_gives_16k_float_speech_padded_exactly(speech: np.ndarray) -> None:
    padded = synthesize("make it easier", "en-gb+f3", 160, 60, lead_s=0.5, tail_s=0.25)
    assert speech.dtype == np.float32
    assert 0.5 < len(speech) / SAMPLE_RATE_HZ < 3.0
    assert 0.05 < np.abs(speech).max() <= 1.0
    assert len(padded) == len(speech) + int(0.75 * SAMPLE_RATE_HZ)
    assert not padded[: int(0.5 * SAMPLE_RATE_HZ)].any()
    np.testing.assert_array_equal(padded[int(0.5 * SAMPLE_RATE_HZ) :][: len(speech)], speech)


def test_voices_speeds_and_pitches_change_the_audio() -> None:
    base = synthesize("pause", "en-us")
    assert len(synthesize("pause", "en-us", speed_wpm=100)) > len(base) * 1.2
    assert not np.array_equal(synthesize("pause", "en-us", pitch=80)[:4000], base[:4000])


def test_missing_espeak_is_a_speech_error_saying_what_to_install(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(SpeechError, match="apt-get install espeak-ng"):
        synthesize("hello")


@pytest.mark.parametrize("kind", list(Noise))
@pytest.mark.parametrize("snr_db", [20.0, 10.0, 5.0])
def test_noise_is_mixed_at_the_asked_snr(speech: np.ndarray, kind: Noise, snr_db: float) -> None:
    padded = pad(speech, 0.5, 0.5)
    mixed = mix_noise(padded, kind, snr_db, np.random.default_rng(1))
    noise = mixed - padded
    measured_db = 20 * np.log10(speech_rms(padded) / np.sqrt(np.mean(noise**2)))
    assert measured_db == pytest.approx(snr_db, abs=0.3)


def test_noise_kinds_have_their_character() -> None:
    rng = np.random.default_rng(0)
    n = 8 * SAMPLE_RATE_HZ

    def low_high_ratio(x: np.ndarray) -> float:
        power = np.abs(np.fft.rfft(x)) ** 2
        freqs = np.fft.rfftfreq(len(x), 1 / SAMPLE_RATE_HZ)
        return power[(freqs > 50) & (freqs < 500)].mean() / power[freqs > 4000].mean()

    white, pink, breath = (make_noise(k, n, rng) for k in (Noise.WHITE, Noise.PINK, Noise.BREATH))
    for noise in (white, pink, breath):
        assert np.sqrt(np.mean(noise**2)) == pytest.approx(1.0, rel=1e-3)
    assert low_high_ratio(white) == pytest.approx(1.0, rel=0.3)
    assert low_high_ratio(pink) > 5
    # Breathing comes in bursts: some 100 ms windows are near-silent, others loud.
    windows = np.sqrt(np.mean(breath[: n // 1600 * 1600].reshape(-1, 1600) ** 2, axis=1))
    assert windows.min() < 0.1 < 1.0 < windows.max()


def test_mixing_is_reproducible_with_a_seed(speech: np.ndarray) -> None:
    one = mix_noise(speech, Noise.PINK, 10, np.random.default_rng(5))
    two = mix_noise(speech, Noise.PINK, 10, np.random.default_rng(5))
    np.testing.assert_array_equal(one, two)
