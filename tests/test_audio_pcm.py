"""PCM in one module: 16-bit conversion, band-limited resampling, and WAV files of any format."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

from voicecoach.audio import (
    SAMPLE_RATE_HZ,
    decode_wav,
    from_pcm16,
    read_wav_16k,
    resample,
    to_pcm16,
    wav_duration_s,
    write_wav,
)
from voicecoach.errors import UsageError
from voicecoach.sim.synth import synthesize


@pytest.fixture(scope="module")
def speech() -> np.ndarray:
    return synthesize("make it easier", "en-gb+f3", 160, 60)


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


def test_wav_duration_is_read_from_the_header(tmp_path: Path) -> None:
    path = tmp_path / "half.wav"
    write_wav(path, np.zeros(8000, dtype=np.float32), 16_000)
    assert wav_duration_s(path) == pytest.approx(0.5)
    assert wav_duration_s(tmp_path / "missing.wav") is None
    (tmp_path / "bogus.wav").write_bytes(b"not audio")
    assert wav_duration_s(tmp_path / "bogus.wav") is None


def test_espeak_streams_with_a_bogus_data_length_decode_whole(speech: np.ndarray) -> None:
    """espeak-ng --stdout writes 0xFFFFFFFF as the data length: the bytes present count."""
    pcm = to_pcm16(speech)
    header = (b"RIFF" + (0xFFFFFFFF).to_bytes(4, "little") + b"WAVEfmt " + (16).to_bytes(4, "little")
              + (1).to_bytes(2, "little") + (1).to_bytes(2, "little") + (16_000).to_bytes(4, "little")
              + (32_000).to_bytes(4, "little") + (2).to_bytes(2, "little") + (16).to_bytes(2, "little")
              + b"data" + (0xFFFFFFFF).to_bytes(4, "little"))
    samples, rate_hz = decode_wav(header + pcm)
    assert rate_hz == 16_000
    np.testing.assert_allclose(samples, from_pcm16(pcm), atol=1e-6)
