"""Rendered cues on disk, one WAV per text+voice+rate+engine version, so a workout never waits on TTS.

The cache is also the engine's CueTimer: a rendered cue's duration is measured, not guessed.
"""

from __future__ import annotations

import hashlib
import tempfile
import threading
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from voicecoach.audio import read_wav, resample, wav_duration_s, write_wav
from voicecoach.errors import SpeechError
from voicecoach.files import paths
from voicecoach.voice.tts import Renderer, open_renderer

if TYPE_CHECKING:
    from voicecoach.files import VoiceSettings

CUE_RATE_HZ = 22_050
"""espeak-ng's and Piper's medium voices' native rate; every cached WAV is stored at this rate so
playback never resamples (a low-quality 16 kHz Piper voice is resampled once, when rendered)."""

SILENCE_LEVEL = 0.01
"""Below this amplitude (-40 dBFS) counts as silence when trimming a render."""

TAIL_KEEP_S = 0.04
"""espeak ends every utterance with ~0.33 s of silence; keep only this much so durations are real."""

Progress = Callable[[int, int, str], None]
"""Called as (done, total, text) while a cold cache renders."""


def estimate_duration_s(text: str, rate_wpm: int) -> float:
    """How long `text` takes to say at `rate_wpm`, before it is rendered (words plus a little)."""
    words = max(1, len(text.split()))
    return 0.15 + words * 60.0 / rate_wpm


def trim_silence(samples: np.ndarray, rate_hz: int) -> np.ndarray:
    """Cut leading silence and all but TAIL_KEEP_S of trailing silence."""
    loud = np.flatnonzero(np.abs(samples) > SILENCE_LEVEL)
    if loud.size == 0:
        return samples[:0]
    end = min(samples.size, int(loud[-1]) + 1 + int(TAIL_KEEP_S * rate_hz))
    return samples[int(loud[0]) : end]


class CueCache:
    """Renders each cue once and keeps it on disk and in memory; implements ports.CueTimer."""

    def __init__(self, renderer: Renderer, directory: Path | None = None) -> None:
        self.renderer = renderer
        self.directory = directory or paths.user_cache_dir() / "cues"
        self.rate_hz = CUE_RATE_HZ
        self._lock = threading.Lock()
        self._loaded: dict[str, np.ndarray] = {}

    def path_for(self, text: str) -> Path:
        """Where `text` is stored: a hash of everything that changes the sound.

        Every renderer's version starts with its engine ("pyttsx3-2.99/...", "piper-tts-1.8.0/
        ..."), and Piper's ends with a fingerprint of its voice's files, so another engine, voice
        or model (even a new download under the same name) renders afresh.
        """
        r = self.renderer
        key = "\0".join((r.version, r.voice, str(r.rate_wpm), text))
        return self.directory / f"{hashlib.sha256(key.encode()).hexdigest()[:24]}.wav"

    def is_cached(self, text: str) -> bool:
        """Whether `text` is already rendered on disk."""
        return self.path_for(text).exists()

    def prepare(self, texts: Iterable[str], progress: Progress | None = None) -> int:
        """Render every text not yet cached; returns how many were rendered (0 = warm cache)."""
        missing = [t for t in dict.fromkeys(texts) if t.strip() and not self.is_cached(t)]
        for done, text in enumerate(missing):
            if progress:
                progress(done, len(missing), text)
            self._render(text)
        if progress and missing:
            progress(len(missing), len(missing), "")
        return len(missing)

    def _render(self, text: str) -> np.ndarray:
        with tempfile.TemporaryDirectory(prefix="voicecoach-render-") as tmp:
            raw_path = Path(tmp) / "raw.wav"
            self.renderer.render(text, raw_path)
            raw, rate_hz = read_wav(raw_path)
        # keyed after rendering: a renderer that fell back to another engine renders with it
        path = self.path_for(text)
        samples = trim_silence(resample(raw, rate_hz, self.rate_hz), self.rate_hz)
        if samples.size == 0:
            raise SpeechError(f"{self.renderer.name} rendered only silence for {text!r}")
        write_wav(path, samples, self.rate_hz)  # atomic: a killed run leaves no half cue
        return samples

    def audio(self, text: str) -> np.ndarray:
        """The cue's samples at `rate_hz` (float32), rendering now if it was never prepared."""
        with self._lock:
            samples = self._loaded.get(text)
            if samples is None:
                path = self.path_for(text)
                samples = read_wav(path)[0] if path.exists() else self._render(text)
                self._loaded[text] = samples
            return samples

    def duration_s(self, text: str) -> float:
        """Measured length of the rendered cue, or an estimate when it is not rendered yet."""
        with self._lock:
            samples = self._loaded.get(text)
        if samples is not None:
            return samples.size / self.rate_hz
        measured_s = wav_duration_s(self.path_for(text))
        if measured_s is None:
            return estimate_duration_s(text, self.renderer.rate_wpm)
        return measured_s


def open_cache(voice: VoiceSettings, directory: Path | None = None) -> tuple[CueCache, str]:
    """A cache for the [voice] settings and a one-line note on which engine renders."""
    renderer, note = open_renderer(
        engine=str(voice.engine), voice=voice.voice, rate_wpm=voice.rate_wpm,
        language=voice.language,
    )
    return CueCache(renderer, directory), note
