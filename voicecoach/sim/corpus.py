"""The benchmark's audio, made on the machine: many synthetic speakers saying commands and other things.

Speakers are espeak-ng voices crossed with variants, speeds and pitches. They are split in two
disjoint halves: "tune" (for choosing recognizer thresholds) and "test" (for the numbers we
report), so no score is measured on the voices it was tuned on.
"""

from __future__ import annotations

import random
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np

from voicecoach.audio import SAMPLE_RATE_HZ
from voicecoach.commands import Command, normalize
from voicecoach.sim.synth import Noise, make_noise, mix_noise, pad, reverberate, synthesize

Split = Literal["tune", "test", "all"]

ACCENTS = (
    "en-us",
    "en-gb",
    "en-gb-scotland",
    "en-gb-x-rp",
    "en-gb-x-gbclan",
    "en-gb-x-gbcwmd",
    "en-029",
    "en-us-nyc",
)
"""espeak-ng's English accents that need no extra (mbrola) data."""

VARIANTS = ("", "+f1", "+f2", "+f3", "+f4", "+m1", "+m2", "+m3", "+m4", "+m6", "+klatt", "+Andy")
"""Voice variants: pitch range, formants and voicing differ; mixes female and male."""

SPEEDS_WPM = (135, 150, 165, 180, 195)
PITCHES = (30, 40, 50, 60, 70)
SNRS_DB = (20.0, 10.0, 5.0)
TAIL_S = 0.8
"""Silence after each utterance: enough for any endpointer to notice the end."""

CHATTER = (
    "hello there",
    "okay",
    "yes",
    "no",
    "thank you",
    "good morning",
    "one more time please",
    "I think we should go home",
    "what time is it",
    "turn on the lights",
    "I am tired today",
    "let me see",
    "this is hard",
    "water",
    "that was easy",
    "can you hear me",
    "where is my phone",
    "the weather is nice today",
    "I will call you later",
    "how are you",
    "start the car",
    "we are almost there",
    "maybe tomorrow",
    "I need a drink",
    "that's a good idea",
)
"""Things a person says near the coach that are not commands (a few share words with commands)."""


@dataclass(frozen=True)
class Speaker:
    """One synthetic voice: espeak-ng voice name (accent+variant), speed and pitch."""

    voice: str
    speed_wpm: int
    pitch: int

    def say(self, text: str, lead_s: float = 0.0, tail_s: float = 0.0) -> np.ndarray:
        """This speaker saying `text` (float32, 16 kHz)."""
        return synthesize(text, self.voice, self.speed_wpm, self.pitch, lead_s=lead_s,
                          tail_s=tail_s)

    @property
    def label(self) -> str:
        """Short id for tables: voice/speed/pitch."""
        return f"{self.voice}/s{self.speed_wpm}/p{self.pitch}"


@dataclass(frozen=True)
class Condition:
    """Recording condition: clean, or a noise kind at an SNR (dB, against active speech),
    optionally in a reverberant room (`reverb_s`: RT60, applied before the noise)."""

    noise: Noise | None = None
    snr_db: float | None = None
    reverb_s: float | None = None

    @property
    def label(self) -> str:
        """"clean", e.g. "pink@10dB", "reverb0.6s" or "reverb0.6s+babble@10dB"."""
        room = f"reverb{self.reverb_s:g}s" if self.reverb_s else ""
        if self.noise is None:
            return room or "clean"
        noisy = f"{self.noise}@{self.snr_db:g}dB"
        return f"{room}+{noisy}" if room else noisy

    def apply(self, samples: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """The samples as heard in this condition."""
        if self.reverb_s:
            samples = reverberate(samples, self.reverb_s, rng)
        if self.noise is None or self.snr_db is None:
            return samples
        return mix_noise(samples, self.noise, self.snr_db, rng)


CLEAN = Condition()


def conditions(
    snrs_db: Iterable[float] = SNRS_DB, noises: Iterable[Noise] = tuple(Noise)
) -> list[Condition]:
    """Clean plus every noise kind at every SNR."""
    return [CLEAN, *(Condition(n, snr) for snr in snrs_db for n in noises)]


@dataclass(frozen=True)
class Clip:
    """One test utterance: what was said, which command it is (None = not a command), and audio."""

    text: str
    command: Command | None
    speaker: Speaker
    condition: Condition
    samples: np.ndarray
    speech_end_s: float
    """Where the spoken words end inside `samples` (the start of the trailing silence)."""


def speech_end_s(samples: np.ndarray) -> float:
    """Time of the last sample within 40 dB of the peak (espeak-ng adds its own silence)."""
    loud = np.flatnonzero(np.abs(samples) > np.abs(samples).max() * 0.01)
    return (int(loud[-1]) + 1) / SAMPLE_RATE_HZ if loud.size else 0.0


def speakers(count: int, split: Split = "test", seed: int = 0,
             accents: Sequence[str] = ACCENTS) -> list[Speaker]:
    """`count` distinct speakers from one half of the voice grid, spread over accents and variants.

    Voices alternate between the halves (accent x variant grid, checkerboard), so "tune" and
    "test" never share a voice. `accents` are espeak-ng voices (one, "ko", for Korean: then the
    variants alone tell the halves apart).
    """
    grid = [a + v for i, a in enumerate(accents) for j, v in enumerate(VARIANTS)
            if split == "all" or (i + j) % 2 == (0 if split == "test" else 1)]
    rng = random.Random(seed)
    rng.shuffle(grid)
    # Interleave accents so a small count still covers several of them.
    by_accent: dict[str, list[str]] = {}
    for voice in grid:
        by_accent.setdefault(voice.split("+")[0], []).append(voice)
    order = [v for group in zip(*by_accent.values(), strict=False) for v in group]
    order += [v for v in grid if v not in order]
    return [
        Speaker(order[i % len(order)], rng.choice(SPEEDS_WPM), rng.choice(PITCHES))
        for i in range(count)
    ]


def command_phrases(phrases: Mapping[Command, Sequence[str]]) -> list[tuple[str, Command]]:
    """Every (normalized phrase, command) pair, in settings order."""
    return [(normalize(p), command) for command, items in phrases.items() for p in items]


def command_clips(
    phrases: Mapping[Command, Sequence[str]],
    voices: Sequence[Speaker],
    conds: Sequence[Condition],
    seed: int = 0,
) -> Iterator[Clip]:
    """Every phrase by every speaker in every condition, with 0.3-1.0 s of leading silence."""
    rng = np.random.default_rng(seed)
    for text, command in command_phrases(phrases):
        for speaker in voices:
            lead_s = float(rng.uniform(0.3, 1.0))
            speech = speaker.say(text)
            clean = pad(speech, lead_s, TAIL_S)
            end_s = lead_s + speech_end_s(speech)
            for cond in conds:
                yield Clip(text, command, speaker, cond, cond.apply(clean, rng), end_s)


def cue_texts(routine_texts: Iterable[str]) -> list[str]:
    """Coach cues worth speaking (deduplicated, non-empty), e.g. from `Routine.all_cue_texts()`."""
    return list(dict.fromkeys(t.strip() for t in routine_texts if normalize(t)))


def sentences(text: str) -> list[str]:
    """Split prose (a routine description) into sentences a person might read aloud."""
    return [s.strip() for s in re.split(r"(?<=[.!?;:])\s+", text) if normalize(s)]


def phrase_clips(
    texts: Sequence[str], voices: Sequence[Speaker], cond: Condition = CLEAN, seed: int = 0
) -> Iterator[Clip]:
    """Non-command utterances, one clip each, speakers taken in turn."""
    rng = np.random.default_rng(seed)
    for i, text in enumerate(texts):
        speaker = voices[i % len(voices)]
        lead_s = float(rng.uniform(0.3, 1.0))
        speech = speaker.say(text)
        clean = pad(speech, lead_s, TAIL_S)
        yield Clip(text, None, speaker, cond, cond.apply(clean, rng), lead_s + speech_end_s(speech))


def stretch(clips: Iterable[Clip], gap_s: float = 0.7) -> np.ndarray:
    """Clips laid end to end with silence between: a long recording of non-command audio."""
    gap = np.zeros(round(gap_s * SAMPLE_RATE_HZ), dtype=np.float32)
    parts = [p for clip in clips for p in (clip.samples, gap)]
    return np.concatenate(parts) if parts else np.zeros(0, dtype=np.float32)


def noise_stretch(kind: Noise, duration_s: float, level_rms: float, seed: int = 0) -> np.ndarray:
    """`duration_s` of noise alone at an RMS level (1.0 = full scale), clipped to [-1, 1]."""
    rng = np.random.default_rng(seed)
    noise = make_noise(kind, round(duration_s * SAMPLE_RATE_HZ), rng) * level_rms
    return np.clip(noise, -1.0, 1.0).astype(np.float32)
