"""Synthetic speech, noise at a chosen SNR, PCM conversion and WAV files of any format."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

from voicecoach.audio import SAMPLE_RATE_HZ, from_pcm16, read_wav_16k, resample, to_pcm16, write_wav
from voicecoach.errors import SpeechError, UsageError
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


def test_pcm16_round_trip_and_clipping() -> None:
    samples = np.array([0.0, 0.5, -0.5, 1.5, -1.5], dtype=np.float32)
    pcm = to_pcm16(samples)
    assert len(pcm) == 10
    assert np.frombuffer(pcm, "<i2").tolist() == [0, 16384, -16384, 32767, -32767]
    np.testing.assert_allclose(from_pcm16(pcm)[:3], samples[:3], atol=1e-4)
    as_int = np.array([1, -2], dtype=np.int16)
    assert to_pcm16(as_int) == as_int.astype("<i2").tobytes()


def test_resample_keeps_a_tone_at_its_frequency() -> None:
    t = np.arange(22050) / 22050
    tone = np.sin(2 * np.pi * 1000 * t).astype(np.float32)
    out = resample(tone, 22050)
    assert len(out) == SAMPLE_RATE_HZ
    peak_hz = np.argmax(np.abs(np.fft.rfft(out))) * SAMPLE_RATE_HZ / len(out)
    assert peak_hz == pytest.approx(1000, abs=2)


def test_wav_round_trip(tmp_path: Path, speech: np.ndarray) -> None:
    path = tmp_path / "speech.wav"
    write_wav(path, speech)
    np.testing.assert_allclose(read_wav_16k(path), speech, atol=1e-4)


@pytest.mark.skipif(shutil.which("sox") is None, reason="sox makes the odd-format files")
@pytest.mark.parametrize("args", [["-r", "44100", "-c", "2", "-b", "24"],
                                  ["-r", "48000", "-e", "floating-point", "-b", "32"],
                                  ["-r", "8000", "-b", "8"]])
def test_read_wav_converts_any_rate_width_and_channels(
    tmp_path: Path, speech: np.ndarray, args: list[str]
) -> None:
    source, other = tmp_path / "a.wav", tmp_path / "b.wav"
    write_wav(source, speech)
    subprocess.run(["sox", str(source), *args, str(other)], check=True)
    back = read_wav_16k(other)
    assert abs(len(back) - len(speech)) <= 2
    n = min(len(back), len(speech))
    assert np.corrcoef(back[:n], speech[:n])[0, 1] > 0.9


def test_unreadable_files_are_usage_errors(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="cannot read"):
        read_wav_16k(tmp_path / "missing.wav")
    bogus = tmp_path / "bogus.wav"
    bogus.write_bytes(b"ID3 this is an mp3, honest")
    with pytest.raises(UsageError, match="not a PCM WAV"):
        read_wav_16k(bogus)


@pytest.mark.parametrize("rate_hz", [44100, 11025])
def test_long_audio_is_resampled_in_blocks_without_seams(rate_hz: int) -> None:
    t = np.arange(rate_hz * 25) / rate_hz  # long enough for several ~10 s blocks
    out = resample(np.sin(2 * np.pi * 440 * t).astype(np.float32), rate_hz)
    assert len(out) == 25 * SAMPLE_RATE_HZ
    expected = np.sin(2 * np.pi * 440 * np.arange(len(out)) / SAMPLE_RATE_HZ)
    assert np.abs(out - expected)[1000:-1000].max() < 1e-3
