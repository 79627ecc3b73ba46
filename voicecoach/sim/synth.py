"""Test and benchmark speech made on the machine: espeak-ng voices, silence, noise at a chosen SNR.

Everything here works on float32 numpy arrays in [-1, 1] at 16 kHz mono (the recognizers' rate);
`audio.to_pcm16` turns them into the bytes a `Recognizer.accept` wants.
"""

from __future__ import annotations

import shutil
import subprocess
from enum import StrEnum
from functools import lru_cache

import numpy as np

from voicecoach.audio import SAMPLE_RATE_HZ, decode_wav, resample
from voicecoach.errors import SpeechError

ESPEAK = "espeak-ng"


class Noise(StrEnum):
    """Background noise kinds for robustness tests: flat hiss, 1/f room noise, breathing, and the
    rooms people really train in: other people talking, music, a fan, panting between words."""

    WHITE = "white"
    PINK = "pink"
    BREATH = "breath"
    BABBLE = "babble"
    MUSIC = "music"
    FAN = "fan"
    PANTING = "panting"


BABBLE_VOICES = ("en-us+m3", "en-gb+f2", "en-gb-scotland+m1", "en-029+f4", "en-us-nyc+m6",
                 "en-gb-x-rp+f1")
"""The other people in the room (espeak-ng voices; babble is noise, so not part of the split)."""
BABBLE_TEXT = (
    "I was telling her about the holiday we had last summer by the sea.",
    "Did you see the game on the television last night? It was unbelievable.",
    "My sister moved to a new flat near the station in the spring.",
    "We could order some food later if everybody is hungry by then.",
    "The meeting on Thursday ran two hours over and nobody decided anything.",
    "He bought a red bicycle and rides it to the office every morning.",
    "I have no idea where I put the keys to the garden shed.",
    "They are building a new school at the end of our road this year.",
)
"""What the other people say: ordinary talk with no command phrase in it."""

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
    elif kind is Noise.BREATH:
        noise = _breath(white, rng)
    elif kind is Noise.BABBLE:
        noise = _babble(n_samples, rng)
    elif kind is Noise.MUSIC:
        noise = _music(n_samples, rng)
    elif kind is Noise.FAN:
        noise = _fan(white, rng)
    else:
        noise = _panting(white, rng)
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


@lru_cache(maxsize=1)
def _babble_talkers() -> tuple[np.ndarray, ...]:
    """One long monologue per babble voice (each voice reads every sentence, in its own order)."""
    talkers = []
    for i, voice in enumerate(BABBLE_VOICES):
        order = BABBLE_TEXT[i:] + BABBLE_TEXT[:i]
        parts = [synthesize(t, voice, 150 + 10 * (i % 4), 35 + 8 * i, tail_s=0.25) for t in order]
        talk = np.concatenate(parts)
        talkers.append((talk / (speech_rms(talk) + 1e-12)).astype(np.float32))
    return tuple(talkers)


def _babble(n_samples: int, rng: np.random.Generator) -> np.ndarray:
    """4-6 other people talking at once, each from a random point of their monologue."""
    talkers = _babble_talkers()
    count = int(rng.integers(4, 7))
    out = np.zeros(n_samples)
    for index in rng.choice(len(talkers), size=count, replace=False):
        talk = talkers[int(index)]
        start = int(rng.integers(0, len(talk)))
        reps = -(-(start + n_samples) // len(talk))
        out += np.tile(talk, reps)[start : start + n_samples] * rng.uniform(0.6, 1.0)
    return out


def _tone(freq_hz: float, t_s: np.ndarray, harmonics: int = 6) -> np.ndarray:
    """A bright instrument-like note: harmonics falling as 1/k."""
    return sum(np.sin(2 * np.pi * freq_hz * k * t_s) / k for k in range(1, harmonics + 1))


def _music(n_samples: int, rng: np.random.Generator) -> np.ndarray:
    """Pop-like music: a four-chord progression with bass, a kick on each beat, hi-hats between."""
    bpm = float(rng.uniform(100, 130))
    beat_s = 60.0 / bpm
    root_hz = 220.0 * 2 ** (int(rng.integers(0, 12)) / 12)
    progression = ((0, 4, 7), (7, 11, 14), (9, 12, 16), (5, 9, 12))  # I V vi IV
    t = np.arange(n_samples) / SAMPLE_RATE_HZ
    out = np.zeros(n_samples)
    bar = round(4 * beat_s * SAMPLE_RATE_HZ)
    first = int(rng.integers(0, 4))
    for b, start in enumerate(range(0, n_samples, bar)):
        stop = min(start + bar, n_samples)
        chord = progression[(first + b) % 4]
        seg = t[start:stop]
        pad_env = 0.6 + 0.4 * np.exp(-(seg - seg[0]) / 0.8)
        notes = sum(_tone(root_hz * 2 ** (s / 12), seg) for s in chord)
        bass = _tone(root_hz / 4 * 2 ** (chord[0] / 12), seg, 3)
        out[start:stop] += 0.25 * pad_env * notes + 0.5 * bass
    beat = round(beat_s * SAMPLE_RATE_HZ)
    kick_t = np.arange(round(0.25 * SAMPLE_RATE_HZ)) / SAMPLE_RATE_HZ
    kick = np.sin(2 * np.pi * (50 * kick_t + 70 * 0.04 * (1 - np.exp(-kick_t / 0.04))))
    kick *= 3.0 * np.exp(-kick_t / 0.12)
    hat_n = round(0.05 * SAMPLE_RATE_HZ)
    for start in range(0, n_samples, beat):
        n = min(len(kick), n_samples - start)
        out[start : start + n] += kick[:n]
        off = start + beat // 2
        if off < n_samples:
            hat = np.diff(rng.standard_normal(hat_n + 1)) * np.exp(-np.arange(hat_n) / 120)
            m = min(hat_n, n_samples - off)
            out[off : off + m] += 0.4 * hat[:m]
    return out


def _fan(white: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A fan or air conditioner: mains hum, the blades' tone, and a low rumbling broadband noise."""
    t = np.arange(len(white)) / SAMPLE_RATE_HZ
    mains_hz = float(rng.choice([50.0, 60.0]))
    blade_hz = float(rng.uniform(80, 140))
    hum = sum(np.sin(2 * np.pi * mains_hz * k * t + rng.uniform(0, 2 * np.pi)) / k
              for k in range(1, 5))
    wobble = 1 + 0.2 * np.sin(2 * np.pi * rng.uniform(0.2, 0.6) * t)
    blades = wobble * sum(np.sin(2 * np.pi * blade_hz * k * t) / k**1.5 for k in range(1, 4))
    rumble = _shape(white, lambda f: 1.0 / np.maximum(f, 40.0))
    rumble /= np.sqrt(np.mean(rumble**2)) + 1e-12
    return 0.5 * hum + 0.6 * blades + 1.0 * rumble


def _panting(white: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Short quick breaths (in, out, ~0.3-0.5 s each) with the odd pause, as after hard effort."""
    hiss = _shape(white, lambda f: np.exp(-0.5 * (np.log2(np.maximum(f, 1.0) / 1500.0) / 1.2) ** 2))
    envelope = np.zeros(len(white))
    start = int(rng.uniform(0.0, 0.5) * SAMPLE_RATE_HZ)
    while start < len(white):
        for _ in range(int(rng.integers(3, 9))):
            for level_ in (0.7, 1.0):
                n = int(rng.uniform(0.25, 0.45) * SAMPLE_RATE_HZ)
                stop = min(start + n, len(white))
                if start >= stop:
                    break
                envelope[start:stop] = level_ * np.sin(np.linspace(0.0, np.pi, n))[: stop - start] ** 2
                start += n + int(rng.uniform(0.03, 0.12) * SAMPLE_RATE_HZ)
        start += int(rng.uniform(0.4, 1.5) * SAMPLE_RATE_HZ)
    return hiss * envelope


def reverberate(samples: np.ndarray, rt60_s: float, rng: np.random.Generator,
                direct_to_reverb_db: float = 0.0) -> np.ndarray:
    """The samples as heard in a room: convolved with an exponentially decaying noise impulse
    response (energy down 60 dB after `rt60_s`), same length, same active-speech level."""
    n = max(1, round(rt60_s * SAMPLE_RATE_HZ))
    t = np.arange(n) / SAMPLE_RATE_HZ
    tail = rng.standard_normal(n) * np.exp(-6.91 * t / rt60_s)
    tail[: round(0.005 * SAMPLE_RATE_HZ)] = 0.0  # first reflections arrive a few ms late
    tail *= 10 ** (-direct_to_reverb_db / 20) / (np.sqrt(np.sum(tail**2)) + 1e-12)
    response = tail
    response[0] = 1.0
    size = len(samples) + n - 1
    wet = np.fft.irfft(np.fft.rfft(samples, size) * np.fft.rfft(response, size), size)
    wet = wet[: len(samples)]
    before, after = speech_rms(samples), speech_rms(wet)
    if after > 0:
        wet *= before / after
    return np.clip(wet, -1.0, 1.0).astype(np.float32)


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
