"""Test and benchmark speech made on the machine: espeak-ng voices, silence, noise at a chosen SNR.

Everything here works on float32 numpy arrays in [-1, 1] at 16 kHz mono (the recognizers' rate);
`to_pcm16` turns them into the bytes a `Recognizer.accept` wants.
"""

from __future__ import annotations

import math
import shutil
import struct
import subprocess
import wave
from enum import StrEnum
from pathlib import Path

import numpy as np

from voicecoach.audio import SAMPLE_RATE_HZ
from voicecoach.errors import SpeechError, UsageError

ESPEAK = "espeak-ng"


class Noise(StrEnum):
    """Background noise kinds for robustness tests: flat hiss, 1/f room noise, and breathing."""

    WHITE = "white"
    PINK = "pink"
    BREATH = "breath"


def synthesize(
    text: str,
    voice: str = "en-us",
    speed_wpm: int = 175,
    pitch: int = 50,
    *,
    lead_s: float = 0.0,
    tail_s: float = 0.0,
) -> np.ndarray:
    """Speak `text` with the espeak-ng program; float32 16 kHz mono, padded with silence."""
    program = shutil.which(ESPEAK)
    if program is None:
        raise SpeechError("espeak-ng is not installed; install it: `apt-get install espeak-ng`")
    result = subprocess.run(
        [program, "-v", voice, "-s", str(speed_wpm), "-p", str(pitch), "--stdout", text],
        capture_output=True,
        check=False,
    )
    if result.returncode != 0 or not result.stdout:
        message = result.stderr.decode(errors="replace").strip() or "no audio produced"
        raise SpeechError(f"espeak-ng failed for voice {voice!r}: {message}")
    return pad(wav_bytes_to_samples(result.stdout), lead_s, tail_s)


def pad(samples: np.ndarray, lead_s: float = 0.0, tail_s: float = 0.0) -> np.ndarray:
    """Add silence before and after (recognizers need some to find where speech starts)."""
    lead = np.zeros(round(lead_s * SAMPLE_RATE_HZ), dtype=np.float32)
    tail = np.zeros(round(tail_s * SAMPLE_RATE_HZ), dtype=np.float32)
    return np.concatenate([lead, samples.astype(np.float32), tail])


def make_noise(kind: Noise, n_samples: int, rng: np.random.Generator) -> np.ndarray:
    """`n_samples` of noise of the given kind, scaled to an RMS of 1."""
    white = rng.standard_normal(n_samples)
    if kind is Noise.WHITE:
        noise = white
    elif kind is Noise.PINK:
        noise = _shape(white, lambda f: 1.0 / np.sqrt(np.maximum(f, 20.0)))
    else:
        noise = _breath(white, rng)
    return (noise / (np.sqrt(np.mean(noise**2)) + 1e-12)).astype(np.float32)


def _shape(white: np.ndarray, gain_of_hz) -> np.ndarray:
    """Colour white noise by a frequency response (FFT filtering; noise has no edges to mind)."""
    spectrum = np.fft.rfft(white)
    freqs_hz = np.fft.rfftfreq(len(white), 1.0 / SAMPLE_RATE_HZ)
    return np.fft.irfft(spectrum * gain_of_hz(freqs_hz), n=len(white))


def _breath(white: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Band-limited hiss (most energy near 0.5-2 kHz) in inhale/exhale bursts every 3-5 s."""
    hiss = _shape(white, lambda f: np.exp(-0.5 * (np.log2(np.maximum(f, 1.0) / 1000.0) / 1.0) ** 2))
    envelope = np.zeros(len(white))
    start = int(rng.uniform(0.0, 1.0) * SAMPLE_RATE_HZ)
    while start < len(white):
        for phase_s, level in ((rng.uniform(1.0, 1.6), 0.6), (rng.uniform(1.4, 2.2), 1.0)):
            n = int(phase_s * SAMPLE_RATE_HZ)
            if start >= len(white):
                break
            burst = level * np.sin(np.linspace(0.0, np.pi, n)) ** 2
            stop = min(start + n, len(white))
            envelope[start:stop] = burst[: stop - start]
            start += n + int(rng.uniform(0.2, 0.5) * SAMPLE_RATE_HZ)
        start += int(rng.uniform(0.3, 1.2) * SAMPLE_RATE_HZ)
    return hiss * envelope


def speech_rms(samples: np.ndarray, frame_s: float = 0.02) -> float:
    """RMS over the active frames only (within 30 dB of the loudest), so padding does not count."""
    n = int(frame_s * SAMPLE_RATE_HZ)
    frames = samples[: len(samples) // n * n].reshape(-1, n).astype(np.float64)
    if frames.size == 0:
        return float(np.sqrt(np.mean(samples.astype(np.float64) ** 2))) if len(samples) else 0.0
    power = np.mean(frames**2, axis=1)
    active = power[power >= power.max() * 1e-3]
    return float(np.sqrt(np.mean(active))) if active.size else 0.0


def mix_noise(
    speech: np.ndarray, kind: Noise, snr_db: float, rng: np.random.Generator
) -> np.ndarray:
    """Speech plus noise at `snr_db` relative to the active speech level; clipped to [-1, 1]."""
    noise = make_noise(kind, len(speech), rng) * speech_rms(speech) / 10 ** (snr_db / 20)
    return np.clip(speech + noise, -1.0, 1.0).astype(np.float32)


def resample(samples: np.ndarray, from_hz: int, to_hz: int = SAMPLE_RATE_HZ) -> np.ndarray:
    """Band-limited resampling by FFT (no scipy needed), in overlapping blocks for long audio."""
    if from_hz == to_hz or len(samples) == 0:
        return samples.astype(np.float32)
    n_out = max(1, round(len(samples) * to_hz / from_hz))
    g = math.gcd(from_hz, to_hz)
    step_in, step_out = from_hz // g, to_hz // g
    block = step_in * math.ceil(_BLOCK_S * from_hz / step_in)
    if len(samples) <= 2 * block:
        return _fft_resample(samples, n_out)
    # One FFT over minutes of audio would take gigabytes: resample ~10 s blocks with 0.1 s
    # margins (cut on exact sample correspondences) and keep only each block's middle.
    margin = step_in * math.ceil(0.1 * from_hz / step_in)
    parts = []
    for start in range(0, len(samples), block):
        lo, hi = max(0, start - margin), min(len(samples), start + block + margin)
        chunk = _fft_resample(samples[lo:hi], (hi - lo) // step_in * step_out)
        skip = (start - lo) // step_in * step_out
        keep = (min(block, len(samples) - start) + step_in - 1) // step_in * step_out
        parts.append(chunk[skip : skip + keep])
    return np.concatenate(parts)[:n_out].astype(np.float32)


_BLOCK_S = 10.0


def _fft_resample(samples: np.ndarray, n_out: int) -> np.ndarray:
    """Resample a (short) signal to exactly n_out samples by truncating or padding its spectrum."""
    spectrum = np.fft.rfft(samples.astype(np.float64))
    keep = min(len(spectrum), n_out // 2 + 1)
    return (np.fft.irfft(spectrum[:keep], n=n_out) * (n_out / len(samples))).astype(np.float32)


def to_pcm16(samples: np.ndarray) -> bytes:
    """Float samples in [-1, 1] (or int16 already) as 16-bit little-endian PCM bytes."""
    if samples.dtype == np.int16:
        return samples.astype("<i2").tobytes()
    scaled = np.clip(np.asarray(samples, dtype=np.float64), -1.0, 1.0) * 32767.0
    return np.round(scaled).astype("<i2").tobytes()


def from_pcm16(pcm: bytes) -> np.ndarray:
    """16-bit little-endian PCM bytes back to float32 samples in [-1, 1]."""
    return (np.frombuffer(pcm, dtype="<i2").astype(np.float32) / 32768.0).astype(np.float32)


def write_wav(path: Path, samples: np.ndarray, sample_rate_hz: int = SAMPLE_RATE_HZ) -> None:
    """Save mono 16-bit PCM WAV."""
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(sample_rate_hz)
        out.writeframes(to_pcm16(samples))


def read_wav(path: Path) -> np.ndarray:
    """Load a PCM WAV of any rate, width and channel count as float32 16 kHz mono."""
    try:
        data = Path(path).read_bytes()
        return wav_bytes_to_samples(data)
    except OSError as exc:
        raise UsageError(f"cannot read audio file {path}: {exc.strerror or exc}") from exc
    except (struct.error, ValueError) as exc:
        raise UsageError(
            f"{path} is not a PCM WAV file ({exc}); convert it, e.g. `sox in.mp3 -b 16 out.wav`"
        ) from exc


def wav_bytes_to_samples(data: bytes) -> np.ndarray:
    """Decode WAV bytes (8/16/24/32-bit PCM or float, any rate/channels) to float32 16 kHz mono.

    Parsed by hand because Python 3.11's `wave` rejects WAVE_FORMAT_EXTENSIBLE (what sox writes
    for 24-bit or multichannel files); espeak-ng streaming to stdout declares a data length of
    0xFFFFFFFF, so the data chunk is clamped to the bytes actually present.
    """
    if len(data) < 12 or data[:4] != b"RIFF" or data[8:12] != b"WAVE":
        raise ValueError("no RIFF/WAVE header")
    fmt: tuple[int, int, int, int] | None = None
    offset = 12
    while offset + 8 <= len(data):
        chunk_id, size = struct.unpack_from("<4sI", data, offset)
        body = data[offset + 8 : offset + 8 + size]
        if chunk_id == b"fmt ":
            tag, channels, rate = struct.unpack_from("<HHI", body)
            bits = struct.unpack_from("<H", body, 14)[0]
            if tag == _FORMAT_EXTENSIBLE and len(body) >= 26:
                tag = struct.unpack_from("<H", body, 24)[0]
            fmt = (tag, channels, rate, bits)
        elif chunk_id == b"data":
            if fmt is None:
                raise ValueError("data chunk before fmt chunk")
            return resample(_decode(body, *fmt), fmt[2], SAMPLE_RATE_HZ)
        offset += 8 + size + (size & 1)
    raise ValueError("no audio data chunk")


_FORMAT_PCM, _FORMAT_FLOAT, _FORMAT_EXTENSIBLE = 1, 3, 0xFFFE


def _decode(raw: bytes, tag: int, channels: int, rate: int, bits: int) -> np.ndarray:
    """Interleaved samples of one data chunk as float32 mono in [-1, 1]."""
    width = bits // 8
    if channels < 1 or rate < 1 or width < 1:
        raise ValueError(f"bad format: {channels} channels, {rate} Hz, {bits} bits")
    raw = raw[: len(raw) // (width * channels) * (width * channels)]
    if tag == _FORMAT_FLOAT and width in (4, 8):
        values = np.frombuffer(raw, dtype=f"<f{width}").astype(np.float32)
    elif tag != _FORMAT_PCM:
        raise ValueError(f"unsupported encoding (format tag {tag})")
    elif width == 1:
        values = (np.frombuffer(raw, dtype=np.uint8).astype(np.float32) - 128.0) / 128.0
    elif width == 2:
        values = np.frombuffer(raw, dtype="<i2").astype(np.float32) / 32768.0
    elif width == 3:
        triples = np.frombuffer(raw, dtype=np.uint8).reshape(-1, 3).astype(np.int32)
        ints = triples[:, 0] | (triples[:, 1] << 8) | (triples[:, 2] << 16)
        values = (np.where(ints >= 1 << 23, ints - (1 << 24), ints) / float(1 << 23)).astype(
            np.float32
        )
    elif width == 4:
        values = (np.frombuffer(raw, dtype="<i4") / float(1 << 31)).astype(np.float32)
    else:
        raise ValueError(f"unsupported sample width {bits} bits")
    return values.reshape(-1, channels).mean(axis=1) if channels > 1 else values
