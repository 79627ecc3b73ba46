"""Vosk recognizer restricted to the command phrases, with a state-aware grammar and a fast path.

Vosk ends an utterance by its own silence rule, which breath and steady noise hold open; the same
speech detector as the other backends (ears/voice_activity.py) watches the stream alongside, and
when it hears the words end, Vosk is asked for its final result at once.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Collection, Mapping, Sequence
from pathlib import Path
from typing import Any

from voicecoach.audio import SAMPLE_RATE_HZ
from voicecoach.commands import ALWAYS_HEARD, Command, normalize
from voicecoach.ears.base import Recognition
from voicecoach.ears.endpoint import Endpointer
from voicecoach.ears.voice_activity import SpeechDetector
from voicecoach.errors import ModelError
from voicecoach.files.language import load_language

UNKNOWN = "[unk]"
"""Vosk's garbage word: lets out-of-grammar speech land somewhere other than a command."""

FAST_COMMANDS: frozenset[Command] = frozenset({Command.STOP, Command.PAUSE})
"""Acted on from a partial result, without waiting for the end of the utterance."""

SPOTTED_MIN_CONFIDENCE = 0.8
"""A stop/safety phrase found inside a longer utterance counts only if this sure of each word."""

STABLE_PARTIALS = 2
"""A partial must read the same this many blocks running before the fast path trusts it."""

END_SILENCE_S = 0.2
"""Non-speech after the words (as the speech detector hears it) that ends Vosk's utterance."""

JOIN_GAP_S = 1.0
"""A final result that is only the first words of a phrase ("coach" of "coach, pause": Vosk's own
endpointing cut the Korean "코치, 멈춰" at its comma, on the second and later utterances of a
stream) is held, and joined to the next one when that begins within this long after it."""

MAX_UTTERANCE_S = 8.0
"""Longer speech is left to Vosk's own endpointing."""


ENGLISH_FILLERS: tuple[str, ...] = load_language("en").about.fillers
"""Common and workout words in the English grammar (voicecoach/languages/en.toml): other speech,
and the coach's own cues, decode as these (a rejection) instead of the nearest command."""


@functools.lru_cache(maxsize=2)
def load_model(path: str) -> Any:
    """Load a Vosk model once per process (a small model takes seconds and ~100 MB)."""
    import vosk

    vosk.SetLogLevel(-1)
    try:
        return vosk.Model(str(Path(path)))
    except Exception as exc:  # vosk raises a bare Exception when Kaldi cannot read the files
        raise ModelError(f"cannot load the Vosk model in {path} ({exc}); "
                         "re-download it with `voicecoach model download`") from exc


class VoskRecognizer:
    """Streams 16 kHz PCM into a KaldiRecognizer whose grammar is only the phrases heard now."""

    name = "vosk"

    def __init__(
        self,
        model_path: Path | str,
        phrases: Mapping[Command, Sequence[str]],
        commands: Collection[Command] | None = None,
        fillers: Collection[str] = (),
        detector: SpeechDetector | None = None,
        end_silence_s: float = END_SILENCE_S,
    ) -> None:
        """`detector` (default: the best available) decides when the words have ended, after
        `end_silence_s` of non-speech (longer in addressed mode: people pause after the name)."""
        import vosk

        self._model = load_model(str(model_path))
        self._phrases = {c: [normalize(p) for p in items] for c, items in phrases.items()}
        self._commands: frozenset[Command] = frozenset(commands or self._phrases)
        every_phrase = {p for items in self._phrases.values() for p in items}
        # Words the model does not know are left out: Kaldi would warn about each on every swap.
        self._fillers = sorted(f for f in {normalize(f) for f in fillers} - every_phrase - {""}
                               if self._model.vosk_model_find_word(f) >= 0)
        self._unknown = [UNKNOWN] if self._model.vosk_model_find_word(UNKNOWN) >= 0 else []
        self._is_grammar_due = False
        self._recognizer = vosk.KaldiRecognizer(self._model, SAMPLE_RATE_HZ, self._grammar())
        self._recognizer.SetWords(True)
        if hasattr(self._recognizer, "SetPartialWords"):
            self._recognizer.SetPartialWords(True)
        self._partial_run: tuple[str, int] = ("", 0)
        self._held: list[Mapping[str, Any]] | None = None
        """The words of a final result that was only the start of a phrase (see JOIN_GAP_S)."""
        self._fast_fired: Command | None = None
        self._speech_ends = Endpointer(detector, end_silence_s=end_silence_s, pad_s=0.0,
                                       max_s=MAX_UTTERANCE_S)

    def knows(self, word: str) -> bool:
        """Whether the model's vocabulary holds `word` (Vosk drops unknown grammar words with
        only a log line, so a phrase with one could never be heard)."""
        return bool(self._model.vosk_model_find_word(normalize(word)) >= 0)

    @property
    def fillers(self) -> tuple[str, ...]:
        """The non-command words in the grammar (command phrases themselves are left out)."""
        return tuple(self._fillers)

    @property
    def commands(self) -> frozenset[Command]:
        """The commands the grammar currently holds."""
        return self._commands

    def _grammar(self) -> str:
        words = sorted({p for c in self._commands for p in self._phrases.get(c, ())})
        # ensure_ascii=False: Vosk looks words up verbatim, so "\\uc815" would miss "정".
        return json.dumps([*words, *self._fillers, *self._unknown], ensure_ascii=False)

    def set_commands(self, commands: Collection[Command]) -> None:
        """Swap the grammar to these commands: at once when no words are being decoded, else at
        the end of the utterance under way.

        Kaldi refuses a new grammar while an utterance is open ("Can't add speaker model to
        already running recognizer") and aborts the process; a steady microphone stream keeps
        one open almost always, so an idle one is closed first (its result is empty).
        """
        wanted = frozenset(commands)
        if wanted == self._commands:
            return
        self._commands = wanted
        self._is_grammar_due = True
        if not json.loads(self._recognizer.PartialResult()).get("partial"):
            self._recognizer.FinalResult()
            self._swap_grammar()

    def _swap_grammar(self) -> None:
        if self._is_grammar_due:
            self._is_grammar_due = False
            self._recognizer.SetGrammar(self._grammar())

    def accept(self, pcm: bytes) -> list[Recognition]:
        """Feed audio; returns a finished utterance, or a stable stop/pause partial (fast path)."""
        is_final = self._recognizer.AcceptWaveform(pcm)
        if any(self._speech_ends.process(pcm)) and not is_final:
            return self.flush()  # the words have ended: no need to wait for Vosk's own silence
        if is_final:
            return self._final(json.loads(self._recognizer.Result()))
        return self._fast_path(json.loads(self._recognizer.PartialResult()))

    def flush(self) -> list[Recognition]:
        """End of stream (or of the words): decode whatever is still open."""
        self._speech_ends.close()
        return self._final(json.loads(self._recognizer.FinalResult()))

    def decode_alone(self, pcm: bytes, at_s: float, start_s: float, end_s: float
                     ) -> Recognition | None:
        """One stretch of audio decoded by a recognizer of its own with today's grammar
        (Recognizer.decode_alone); word times come back on the stream's audio clock."""
        import vosk

        recognizer = vosk.KaldiRecognizer(self._model, SAMPLE_RATE_HZ, self._grammar())
        recognizer.SetWords(True)
        recognizer.AcceptWaveform(pcm)
        result = json.loads(recognizer.FinalResult())
        words = [{**w, "start": float(w["start"]) + at_s, "end": float(w["end"]) + at_s}
                 for w in result.get("result", [])]
        return self._recognition(str(result.get("text", "")), words, False)

    def command_of(self, text: str) -> Command | None:
        """The command whose phrase is exactly `text` (among those in the grammar now)."""
        key = normalize(text)
        return next((c for c in self._commands if key in self._phrases.get(c, ())), None)

    def _final(self, result: Mapping[str, Any]) -> list[Recognition]:
        self._swap_grammar()  # the utterance is closed: a grammar waiting for it can go in
        fired, self._fast_fired = self._fast_fired, None
        self._partial_run = ("", 0)
        text, words = str(result.get("text", "")), list(result.get("result", []))
        held, self._held = self._held, None
        if held is not None and words and (
                float(words[0]["start"]) - float(held[-1]["end"]) <= JOIN_GAP_S):
            words = [*held, *words]
            text = " ".join(str(w["word"]) for w in words)
        if words and self._is_phrase_start(text):
            self._held, self._fast_fired = words, fired  # the fast path may have acted on it all
            return []
        recognition = self._recognition(text, words, False)
        if recognition is None or (fired is not None and recognition.command is fired):
            return []  # silence, or the fast path already acted on this utterance
        return [recognition]

    def _is_phrase_start(self, text: str) -> bool:
        """`text` is the first words of a phrase heard now, and no phrase itself."""
        key = normalize(text)
        phrases = {p for c in self._commands for p in self._phrases.get(c, ())}
        return key not in phrases and any(p.startswith(f"{key} ") for p in phrases)

    def _fast_path(self, partial: Mapping[str, Any]) -> list[Recognition]:
        text = str(partial.get("partial", ""))
        seen, count = self._partial_run
        self._partial_run = (text, count + 1 if text == seen else 1)
        if self._fast_fired is not None or self._partial_run[1] != STABLE_PARTIALS:
            return []
        recognition = self._recognition(text, partial.get("partial_result", []), True)
        if recognition is None or recognition.command not in FAST_COMMANDS:
            return []
        self._fast_fired = recognition.command
        return [recognition]

    def _recognition(
        self, text: str, words: Sequence[Mapping[str, Any]], is_partial: bool
    ) -> Recognition | None:
        """A Recognition for non-empty text; [unk] or text that is not one phrase gets None.

        A final result that is not one phrase may still hold a stop or safety phrase: spoken over
        the coach's voice, "stop" arrives wrapped in words decoded from the echo.
        """
        if not text.strip():
            return None
        command = None if UNKNOWN in text.split() else self.command_of(text)
        spotted = None if command is not None or is_partial else self._spot(words)
        if spotted is not None:
            command, words = spotted
            text = " ".join(str(w["word"]) for w in words)
        confidences = [float(w.get("conf", 1.0)) for w in words]
        return Recognition(
            command=command,
            text=text,
            confidence=min(confidences) if confidences else 0.0,
            backend=self.name,
            is_partial=is_partial,
            start_s=float(words[0]["start"]) if words else None,
            end_s=float(words[-1]["end"]) if words else None,
            is_spotted=spotted is not None,
        )

    def _spot(
        self, words: Sequence[Mapping[str, Any]]
    ) -> tuple[Command, Sequence[Mapping[str, Any]]] | None:
        """The first always-heard phrase inside `words` whose every word is confidently heard."""
        spoken = [normalize(str(w.get("word", ""))) for w in words]
        for start in range(len(words)):
            for command in sorted(self._commands & ALWAYS_HEARD):
                for phrase in self._phrases.get(command, ()):
                    n = len(phrase.split())
                    run = words[start : start + n]
                    if (
                        " ".join(spoken[start : start + n]) == phrase
                        and min(float(w.get("conf", 1.0)) for w in run) >= SPOTTED_MIN_CONFIDENCE
                    ):
                        return command, run
        return None
