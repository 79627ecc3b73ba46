"""Test and benchmark speech made on the machine: espeak-ng voices, silence, noise at a chosen SNR.

Everything here works on float32 numpy arrays in [-1, 1] at 16 kHz mono (the recognizers' rate);
`audio.to_pcm16` turns them into the bytes a `Recognizer.accept` wants.
"""

from __future__ import annotations

import shutil
import subprocess
from enum import StrEnum

import numpy as np

from voicecoach.audio import SAMPLE_RATE_HZ, decode_wav, resample
from voicecoach.errors import SpeechError

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
    return pad(resample(*decode_wav(result.stdout)), lead_s, tail_s)


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
