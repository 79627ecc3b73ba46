"""Text to WAV with Piper (piper-tts): a natural neural voice, rendered on one CPU thread.

piper and onnxruntime are imported only when a PiperRenderer is made, so a machine without
them loses nothing but the natural voice (tts.open_renderer then falls back to pyttsx3).
"""

from __future__ import annotations

import importlib.metadata
import threading
import wave
from pathlib import Path
from typing import Any

import numpy as np

from voicecoach.errors import SpeechError
from voicecoach.voice.piper_voices import PiperVoiceFiles
from voicecoach.voice.rendering import VoiceInfo, is_valid_wav

ONNX_THREADS = 1
"""onnxruntime would take every core; the machine may have two, and the audio callbacks and the
recognizer need theirs. One thread renders a short cue in ~20-170 ms, fast enough to prepare a
whole routine before the workout."""

NATURAL_WPM = 165
"""Words per minute of a Piper voice at its own pace (length_scale 1), measured on
en_US-joe-medium: [voice] rate_wpm = 165 (the default) keeps the voice's own pace."""

LOUDNESS_DBFS = -20.5
"""Speech-active RMS each utterance is scaled to: espeak-ng's own (-18.6 to -22 dBFS over the
cues of a routine). Piper scales every sentence to full scale, which made short cues ("four",
"And up.") 3-5 dB louder than espeak's, and louder again than the sentences beside them: their
echo came back louder than the echo canceller was tuned on, and Whisper made words of what it
left ("And up. Halfway." heard as "end workout", a stop phrase, in an end-to-end run)."""

PEAK_LEVEL = 0.9
"""Ceiling for the loudness scaling, below full scale so the player's volume never clips."""

FRAME_S = 0.02
"""Frames for measuring speech-active loudness; only frames within 40 dB of the loudest count."""


def piper_version() -> str:
    """The installed piper-tts version (raises PackageNotFoundError when it is missing)."""
    return importlib.metadata.version("piper-tts")


class PiperRenderer:
    """One Piper voice loaded into onnxruntime, rendering one utterance at a time.

    Its `version` names piper-tts and a fingerprint of the voice's files, so the cue cache
    re-renders when either changes.
    """

    name = "piper"

    def __init__(self, voice: PiperVoiceFiles, rate_wpm: int = 165) -> None:
        self.files = voice
        self.voice = voice.name
        self.rate_wpm = rate_wpm
        self.version = f"piper-tts-{piper_version()}/{voice.name}-{voice.fingerprint()}"
        self._lock = threading.Lock()  # one session, one utterance at a time
        self._piper = _load(voice)
        self._config = self._synthesis_config()

    def _synthesis_config(self) -> Any:
        from piper.config import SynthesisConfig

        # noise_w_scale 0: each phone lasts what the duration predictor expects, not that plus
        # noise. Piper's default noise made the same cue 0.33-0.38 s long from one render to
        # the next ("Up.", 6 renders); the workout fits cues into phases by their measured
        # length, and a test of it failed on one short render. The voice's timbre noise stays.
        return SynthesisConfig(length_scale=NATURAL_WPM / max(1, self.rate_wpm), noise_w_scale=0.0)

    def render(self, text: str, path: Path) -> None:
        """Write one utterance; raises SpeechError when Piper fails or writes no audio."""
        try:
            with self._lock:
                chunks = [chunk.audio_float_array for chunk in self._piper.synthesize(
                    text, syn_config=self._config)]
        except Exception as exc:  # phonemizer and onnxruntime raise their own types
            raise SpeechError(f"Piper could not render {text!r}: {exc}") from exc
        samples = np.concatenate(chunks) if chunks else np.zeros(0, dtype=np.float32)
        peak = float(np.abs(samples).max()) if samples.size else 0.0
        if peak > 0:
            samples = samples * loudness_gain(samples, self._piper.config.sample_rate)
        pcm = np.clip(np.round(samples * 32767), -32767, 32767).astype("<i2")
        with wave.open(str(path), "wb") as out:
            out.setnchannels(1)
            out.setsampwidth(2)
            out.setframerate(self._piper.config.sample_rate)
            out.writeframes(pcm.tobytes())
        if not is_valid_wav(path) or peak == 0:
            raise SpeechError(f"Piper wrote no audio for {text!r}")

    def voices(self) -> list[VoiceInfo]:
        """Every installed Piper voice (not only this one)."""
        from voicecoach.voice.piper_voices import installed_voices

        return [piper_voice_info(v) for v in installed_voices()]

    def close(self) -> None:
        """Nothing to release: the session is freed with the renderer."""


def active_rms(samples: np.ndarray, rate_hz: int) -> float:
    """RMS over the 20 ms frames within 40 dB of the loudest: how loud the speech is, pauses
    aside. Relative to the loudest frame, so scaling the samples scales it exactly."""
    size = max(1, round(FRAME_S * rate_hz))
    frames = samples[: samples.size // size * size].reshape(-1, size).astype(np.float64)
    if frames.size == 0:
        return float(np.sqrt(np.mean(np.square(samples, dtype=np.float64)))) if samples.size else 0.0
    energies = np.mean(frames * frames, axis=1)
    loud = energies[energies >= energies.max() * 1e-4]
    return float(np.sqrt(np.mean(loud)))


def loudness_gain(samples: np.ndarray, rate_hz: int) -> float:
    """The factor that brings an utterance to LOUDNESS_DBFS without its peak passing PEAK_LEVEL."""
    rms = active_rms(samples, rate_hz)
    peak = float(np.abs(samples).max())
    if rms <= 0 or peak <= 0:
        return 1.0
    return min(10 ** (LOUDNESS_DBFS / 20) / rms, PEAK_LEVEL / peak)


def piper_voice_info(voice: PiperVoiceFiles) -> VoiceInfo:
    """How `voicecoach voices` shows a Piper voice."""
    parts = voice.name.split("-")
    speaker = parts[1] if len(parts) == 3 else voice.name
    quality = parts[2] if len(parts) == 3 else ""
    language = voice.language
    languages = (language, language.split("-")[0]) if language else ()
    return VoiceInfo(voice.name, f"{speaker} ({quality}, {voice.source})", languages, "piper")


def _load(voice: PiperVoiceFiles) -> Any:
    """A PiperVoice with its onnxruntime session limited to ONNX_THREADS.

    PiperVoice.load offers no session options, so the session is built here the same way.
    """
    import json

    import onnxruntime
    from piper import PiperVoice
    from piper.config import PiperConfig

    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = ONNX_THREADS
    options.inter_op_num_threads = 1
    options.execution_mode = onnxruntime.ExecutionMode.ORT_SEQUENTIAL
    options.log_severity_level = 3  # warnings about the model's graph are not the user's business
    config = PiperConfig.from_dict(json.loads(voice.config_path.read_text(encoding="utf-8")))
    session = onnxruntime.InferenceSession(
        str(voice.model_path), sess_options=options, providers=["CPUExecutionProvider"],
    )
    return PiperVoice(session=session, config=config)
