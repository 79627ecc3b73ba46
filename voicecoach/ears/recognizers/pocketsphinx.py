"""pocketsphinx: the English recognizer that installs with pip (model and dictionary in its wheel).

Audio is cut into utterances by loudness (ears/endpoint.py); each utterance is
decoded twice, by a grammar of the commands heard in the current state and by a free phone
loop, and the rejection model (ears/rejection.py) turns the comparison into a confidence.
"""

from __future__ import annotations

import math
import os
from collections.abc import Collection, Mapping, Sequence
from typing import Any

import numpy as np

from voicecoach.commands import Command, normalize
from voicecoach.ears.base import Recognition
from voicecoach.ears.endpoint import EndpointedRecognizer, Utterance
from voicecoach.ears.phonetic import phone_distance
from voicecoach.ears.rejection import (
    DEFAULT_MODEL,
    FRAMES_PER_PHONE,
    FRAMES_PER_S,
    Evidence,
    RejectionModel,
)
from voicecoach.ears.voice_activity import SpeechDetector
from voicecoach.errors import ConfigError, ModelError, Problem

MAX_COMMAND_S = 2.5
"""Longer stretches of speech are never one command; they are not decoded at all (saves CPU)."""

COMFORT_NOISE_RMS = 32.0
"""~-60 dBFS of noise added before decoding: pocketsphinx's noise removal and cepstral mean
misbehave on digital silence (clean synthetic commands: 55 % right without it, 84 % with)."""

_NOT_WORDS = frozenset({"<s>", "</s>", "<sil>", "[NOISE]", "[SPEECH]", "(NULL)", "SIL", "+NSN+",
                        "+SPN+"})


def _log(p: float) -> float:
    """pocketsphinx hands scores back as probabilities; log them, with underflow as a floor."""
    return math.log(p) if p > 0 else -745.0


def _word(token: str) -> str:
    """Dictionary entries for alternate pronunciations look like "that(2)"."""
    return token.split("(")[0]


class PocketsphinxRecognizer(EndpointedRecognizer):
    """A Recognizer on pocketsphinx 5 with a state-aware command grammar and rejection."""

    name = "pocketsphinx"

    def __init__(
        self,
        phrases: Mapping[Command, Sequence[str]],
        commands: Collection[Command] | None = None,
        *,
        fillers: Collection[str] | None = None,
        min_confidence: float = 0.6,
        rejection: RejectionModel = DEFAULT_MODEL,
        use_grammar: bool = True,
        end_silence_s: float = 0.2,
        detector: SpeechDetector | None = None,
        name: str | None = None,
    ) -> None:
        """Listen for `phrases`; `commands` (default: all) is the first state's grammar.

        `fillers` are other words the grammar may answer instead of a command (None: common
        English and workout words); `min_confidence` turns weaker results into "not a command";
        `use_grammar=False` is the benchmark's baseline: free dictation, exact phrase match;
        `detector` (default: the best available) tells speech frames from the rest;
        `name` (addressed mode: the phrases given begin with it): the rejection model judges the
        words after the name, as it was fitted on bare commands.
        """
        import pocketsphinx

        super().__init__(end_silence_s, MAX_COMMAND_S, detector=detector)
        if fillers is None:
            from voicecoach.ears.recognizers.vosk import ENGLISH_FILLERS as fillers

        self._phrases = {c: sorted({normalize(p) for p in items}) for c, items in phrases.items()}
        every_phrase = {p for items in self._phrases.values() for p in items}
        self._fillers = sorted({normalize(f) for f in fillers} - every_phrase - {""})
        self._min_confidence = min_confidence
        self._name = normalize(name) if name else None
        self._rejection = rejection
        self._use_grammar = use_grammar
        model_dir = pocketsphinx.get_model_path()
        config: dict[str, Any] = {"loglevel": "FATAL", "bestpath": False}
        if use_grammar:
            config["lm"] = None
        try:
            self._decoder = pocketsphinx.Decoder(**config)
            if use_grammar:
                self._decoder.add_allphone_file(
                    "phones", os.path.join(model_dir, "en-us", "en-us-phone.lm.bin"))
        except (RuntimeError, ValueError, OSError) as exc:
            raise ModelError(f"pocketsphinx cannot load its English model ({exc}); "
                             "reinstall it: `pip install --force-reinstall pocketsphinx`") from exc
        self._check_dictionary()
        self._fillers = [f for f in self._fillers
                         if all(self._decoder.lookup_word(w) is not None for w in f.split())]
        self._searches: dict[frozenset[Command], str] = {}
        self._commands: frozenset[Command] = frozenset()
        self.set_commands(self._phrases if commands is None else commands)
        self.last_evidence: Evidence | None = None
        """The rejection model's inputs for the latest decoded utterance (for tuning it)."""

    @property
    def commands(self) -> frozenset[Command]:
        """The commands the grammar currently holds."""
        return self._commands

    def _check_dictionary(self) -> None:
        """Every word of every phrase must be in the pronunciation dictionary."""
        problems = [
            Problem("settings", None, f"commands.{command.value}",
                    f"the word {word!r} is not in pocketsphinx's English dictionary", got=phrase,
                    fix="use another phrase for it, or the Vosk backend")
            for command, items in self._phrases.items()
            for phrase in items
            for word in phrase.split()
            if self._decoder.lookup_word(word) is None
        ]
        if problems:
            raise ConfigError(problems)

    def set_commands(self, commands: Collection[Command]) -> None:
        """Switch to a grammar of only these commands' phrases (built once per set, then reused)."""
        wanted = frozenset(c for c in commands if self._phrases.get(c))
        self._commands = wanted
        if not self._use_grammar or not wanted or wanted in self._searches:
            return
        name = f"commands{len(self._searches)}"
        words = sorted({p for c in wanted for p in self._phrases[c]}) + self._fillers
        self._decoder.add_jsgf_string(
            name, "#JSGF V1.0;\ngrammar commands;\npublic <command> = " + " | ".join(words) + ";\n")
        self._searches[wanted] = name

    def recognize(self, utterance: Utterance) -> Recognition | None:
        """Decode one utterance; weak results keep their text but lose the command."""
        command, text, confidence = self.decode(utterance.pcm)
        if not text:
            return None
        if confidence < self._min_confidence:
            command = None
        return Recognition(command, text, confidence, self.name,
                           end_s=utterance.end_s, start_s=utterance.start_s)

    def decode(self, pcm: bytes) -> tuple[Command | None, str, float]:
        """One utterance -> (command or None, text heard, confidence)."""
        audio = self._prepare(pcm)
        if not self._use_grammar:
            text = self._run(None, audio)[0]
            command = self._command_of(text)
            return command, text, 1.0 if command is not None else 0.0
        search = self._searches.get(self._commands)
        if search is None:
            return None, "", 0.0
        text, score, segments, n_frames = self._run(search, audio)
        if not text:
            return None, "", 0.0
        evidence = self._evidence(*self._after_name(text, segments, n_frames), score,
                                  self._run("phones", audio))
        self.last_evidence = evidence
        if evidence is None:
            return None, text, 0.0
        return self._command_of(text), text, self._rejection.confidence(evidence)

    def _prepare(self, pcm: bytes) -> bytes:
        """Add the comfort noise floor (see COMFORT_NOISE_RMS)."""
        audio = np.frombuffer(pcm, dtype="<i2").astype(np.float64)
        # Seeded by the audio itself, so the same utterance always gets the same decision.
        rng = np.random.default_rng(len(pcm) + int(np.abs(audio[:64]).sum()))
        audio += rng.standard_normal(len(audio)) * COMFORT_NOISE_RMS
        return np.clip(np.round(audio), -32768, 32767).astype("<i2").tobytes()

    def _run(self, search: str | None, audio: bytes) -> tuple[str, float, list[tuple], int]:
        """Decode a whole utterance with one search -> (text, log score, segments, frames)."""
        decoder = self._decoder
        if search is not None:
            decoder.activate_search(search)
        # From the same start every time: its live cepstral mean and noise estimates otherwise
        # carry over from whatever was decoded before, and the same recording scored differently
        # depending on it (a decode takes ~70 ms either way).
        decoder.reinit_feat()
        decoder.start_utt()
        decoder.process_raw(audio, full_utt=True)
        decoder.end_utt()
        hyp = decoder.hyp()
        if hyp is None:
            return "", 0.0, [], decoder.n_frames()
        segments = [(s.word, s.start_frame, s.end_frame, _log(s.ascore))
                    for s in decoder.seg() or ()]
        words = [_word(w) for w, *_ in segments if w not in _NOT_WORDS]
        return " ".join(words), _log(hyp.score), segments, decoder.n_frames()

    def _after_name(self, text: str, segments: list[tuple], n_frames: int
                    ) -> tuple[str, list[tuple], int]:
        """(text, segments, frames) from after the name, when the decode begins with it: the
        rejection model was fitted on bare commands, and a well-said name otherwise reads as a
        command word that fits and a long utterance (measured: "coach, pause" got 0.2-0.4)."""
        words = text.split()
        if self._name is None or len(words) < 2 or words[0] != self._name:
            return text, segments, n_frames
        named = next(i for i, s in enumerate(segments) if _word(s[0]) == self._name)
        rest = segments[named + 1:]
        begin = rest[0][1] if rest else n_frames
        return " ".join(words[1:]), rest, n_frames - begin

    def _evidence(self, text: str, segments: list[tuple], n_frames: int, score: float,
                  phone_loop: tuple[str, float, list[tuple], int]) -> Evidence | None:
        """Compare the grammar's alignment with the phone loop's over the same frames."""
        words = [s for s in segments if s[0] not in _NOT_WORDS]
        if not words or n_frames == 0:
            return None
        _, loop_score, loop_segments, _ = phone_loop
        first, last = words[0][1], words[-1][2]
        n_speech = last - first + 1

        def loop_within(start: int, end: int) -> float:
            return sum(s[3] for s in loop_segments if s[1] >= start and s[2] <= end)

        per_word = [1000.0 * (w[3] - loop_within(w[1], w[2])) / (w[2] - w[1] + 1) for w in words]
        expected = [p for w in text.split() for p in (self._decoder.lookup_word(w) or "").split()]
        heard = [s[0] for s in loop_segments
                 if s[1] >= first - 5 and s[2] <= last + 5 and s[0] not in _NOT_WORDS]
        n_phones = max(len(expected), 1)
        return Evidence(
            score_ratio=1000.0 * (score - loop_score) / n_frames,
            speech_ratio=1000.0 * (sum(w[3] for w in words) - loop_within(first, last)) / n_speech,
            speech_s=n_speech / FRAMES_PER_S,
            length_ratio=n_speech / (FRAMES_PER_PHONE * n_phones),
            n_phones=n_phones,
            worst_word_ratio=min(per_word),
            loop_score=1000.0 * loop_within(first, last) / n_speech,
            phone_distance=phone_distance(heard, expected) / n_phones,
            phone_count_ratio=len(heard) / n_phones,
            speech_fraction=n_speech / n_frames,
        )

    def _command_of(self, text: str) -> Command | None:
        key = normalize(text)
        return next((c for c in self._commands if key in self._phrases[c]), None)
