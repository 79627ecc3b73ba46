"""Whisper (faster-whisper's CTranslate2 model, tiny.en): the accurate offline English recognizer.

Audio is cut into utterances by the speech detector (ears/endpoint.py). Each one is transcribed
freely, with the phrases allowed now as the prompt (it steers spelling and wording towards them),
and becomes a command only if the transcript is one of those phrases, or sounds nearly like one
(ears/phonetic.py: "Paws." is "pause") and Whisper, made to write that phrase instead, finds it
nearly as likely as what it wrote (a closed-set check of the sound-alike against the free
transcript: "Let's eat." is not "let's go"). Whisper writes out whatever else it heard, so unlike
a closed grammar it has a natural "none of these": other speech comes out as other words.

Speech longer than any command is still transcribed (up to MAX_SPOTTING_S) to find a stop or
safety phrase inside it: "stop" said over the coach's voice arrives wrapped in the cue's words.
Such results are marked `is_spotted`; the echo gate accepts them only while the coach speaks.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from voicecoach.commands import ALWAYS_HEARD, Command, normalize
from voicecoach.ears.base import Recognition
from voicecoach.ears.endpoint import EndpointedRecognizer, Utterance
from voicecoach.ears.phonetic import Match, PhraseMatcher, phones_of
from voicecoach.ears.recognizers.whisper_model import WINDOW_S, Transcriber, load_model
from voicecoach.ears.rejection import Features, RejectionModel
from voicecoach.ears.voice_activity import SpeechDetector

MAX_COMMAND_S = 2.5
"""Longer speech is never one whole command (only a stop or safety phrase inside it counts)."""

NAME_S = 1.0
"""In addressed mode a whole command may be this much longer: the name and the pause after it."""

MAX_SPOTTING_S = 8.0
"""Longer stretches of speech are not transcribed at all (saves CPU on long coach cues)."""

MAX_SOUND_DISTANCE = 0.34
"""A stop or safety phrase found inside longer speech may sound like itself this far: up to a
third of the phrase's phones may differ ("top" for "stop" over the coach's voice)."""

MAX_CHECKED_DISTANCE = 0.5
"""A whole transcript that is no allowed phrase may sound like one this far ("Keep." for "skip",
"Contino." for "continue") if Whisper then confirms it (MAX_FORCED_LOSS). Unconfirmed, 0.5 took
in 2-3x the false accepts of 0.34; confirmed, on the benchmark's tune half
(benchmarks/sound_alikes.py): 77.8 % of commands accepted against 76.6 % at 0.34 unconfirmed,
1.9 % wrong against 2.0 %, false accepts on real people 8 against 9, other speech 3 against 2."""

MAX_FORCED_LOSS = 2.0
"""A sound-alike counts only if Whisper's log probability of the phrase, forced, is at most this
much (nats) below that of what it wrote. Chosen on the benchmark's tune half (3 took in one more
false accept for 0.9 points of acceptance), where right sound-alikes mostly lost under 2
("Keep." for "skip" 0.3-1.9, "Shake again." for "say again" 2.3-3.3) and wrong ones more
("Speed." for "skip" taken as "speed up" 4.2-4.3, "Next." for "let's go" taken as "what's next"
2.9-7.2), real people's "Quiet." 6.1."""

MAX_NAME_LOSS = 4.0
"""In addressed mode a first word that is not the name counts as the name if Whisper, made to
write the name instead, loses at most this much (nats). tiny.en writes espeak-ng's "coach" as
"Call", "Cold", "Cult": 10 voices saying "coach, <phrase>" lost 0.2-3.5 (5.9 once); saying "so,
pause", "go, pause", "hey, pause", "okay, pause", "no, skip" they lost 6.2-22. The name's sound
alone took "So pause." and "Go. Pause." as "coach, pause"."""

NAME_SOUND_ALIKE = 0.01
"""The sound distance reported for a command whose name was a sound-alike and whose phrase was
exact: above 0, so the echo gate treats it as a sound-alike, and small for the confidence."""

FILLERS = frozenset({"okay", "ok", "please", "um", "uh", "hmm", "oh"})
"""Words people wrap commands in ("okay, stop", "pause please"); dropped from either end."""

MIN_CONFIDENCE = 0.3
"""Below this a transcript that matches a phrase is still rejected here (the echo gate then
applies recognition.min_confidence)."""

MIN_PROBABILITY = 0.3
"""Whisper's own token probability below which a match is no command, whatever the model says:
noise onsets and breathing sometimes come out as a prompted phrase ("What's next?") at ~0.2;
right commands measured 0.4-0.98."""

MIN_NAMED_PROBABILITY = 0.12
"""The same floor for a transcript that begins with the coach's name word for word (addressed
mode): noise does not invent the name and a command together, and such right commands measured
0.15-0.22 ("Coach rest.", "Coach. Resume." by a British espeak-ng voice)."""

MAX_NO_SPEECH_PROB = 0.6
"""Above this Whisper itself thinks the audio holds no speech (breath, a thump)."""

EARLY_SILENCE_S = 0.064
"""After this much quiet a short utterance is decoded already; a whole allowed phrase (not a
prefix of another) or a confirmed sound-alike is acted on at once instead of after
END_SILENCE_S (saves ~0.2 s, and a second decode)."""

EARLY_DIP_S = 0.21
"""Or after this long well under the words' loudness (a breath right after the command): dips
inside running speech are shorter; at 0.12 s they added ~10 false accepts per 10 minutes."""

EARLY_MAX_S = 1.5
"""Only utterances up to this long are decoded early (commands take 0.3-1.3 s; longer speech
that pauses is more likely a sentence going on)."""

END_SILENCE_S = 0.3
"""Quiet that ends an utterance for good (shorter cut "how many ... left" in two)."""

PAD_S = 0.5
"""Audio kept around each utterance: in noise the endpointer hears only a word's loud core, and
Whisper needs the rest (measured: breath noise at 10 dB 81 -> 86 %, clean unchanged)."""


@dataclass(frozen=True)
class TranscriptEvidence(Features):
    """What the confidence model knows about one matched transcript."""

    log_probability: float
    """Mean log probability of the tokens Whisper wrote."""
    no_speech: float
    sound_distance: float
    """How far the transcript sounds from the phrase (0 when it is the phrase)."""
    n_phones: int
    """Phones in the phrase: one-syllable phrases are matched by chance more easily."""
    speech_s: float
    """Length of the utterance (capped at MAX_COMMAND_S)."""


CONFIDENCE_MODEL = RejectionModel(
    weights=(0.224, 0.0582, -0.1082, 0.1487, -0.1056),
    bias=1.9558,
    mean=(-0.3272, 0.0137, 0.009, 6.2175, 1.2184),
    scale=(0.2341, 0.0139, 0.0499, 2.5848, 0.5602),
)
"""P(the matched command is what was said | evidence): fitted by
`python benchmarks/voice_control.py --tune whisper` on the "tune" half of the speakers."""


def words_length_s(words_s: tuple[float, float] | None, duration_s: float) -> float:
    """How long the written words last: their aligned span, else the whole utterance."""
    return duration_s if words_s is None else max(0.0, words_s[1] - words_s[0])


def command_text(text: str) -> str:
    """The transcript normalized, without leading or trailing filler words, said once."""
    words = normalize(text).split()
    while words and words[0] in FILLERS:
        words.pop(0)
    while words and words[-1] in FILLERS:
        words.pop()
    return " ".join(said_once(words))


def said_once(words: list[str]) -> list[str]:
    """The words of a transcript that repeats itself, once: tiny.en wrote "Coach, what's next?
    Coach, what's next? Coach" for one "coach, what's next" (without_repeats splits sentences at
    the comma, so the repeats are not side by side there)."""
    for size in range(1, len(words) // 2 + 1):
        unit = words[:size]
        if all(w == unit[i % size] for i, w in enumerate(words)):
            return unit
    return words


def cased(phrase: str, like: str) -> str:
    """The phrase with its first letter in the case of `like`'s: Whisper writes "Coach, pause."
    but "Cult. Pause.", and a forced text in the other case loses ~1-3 nats for nothing."""
    return (phrase[:1].upper() if like[:1].isupper() else phrase[:1]) + phrase[1:]


def without_repeats(text: str) -> str:
    """tiny.en sometimes writes a short command over and over ("Faster. Faster."): once is it."""
    kept: list[str] = []
    for sentence in re.split(r"(?<=[.!?,])\s+", text.strip()):
        if sentence and (not kept or normalize(sentence) != normalize(kept[-1])):
            kept.append(sentence)
    return " ".join(kept)


def prompt_for(phrases: Collection[str]) -> str:
    """The allowed phrases as short sentences ("Pause. How many left."): as a comma list the
    prompt made tiny.en repeat single words ("pause, pause, pause")."""
    return " ".join(f"{p[:1].upper()}{p[1:]}." for p in sorted(phrases))


def spot(words: str, phrases: Collection[str], matcher: PhraseMatcher
         ) -> tuple[str, str, float] | None:
    """(words heard, phrase, distance) for the run of words inside `words` that is one of
    `phrases`, or sounds most like one within MAX_SOUND_DISTANCE: over the coach's voice "stop"
    often comes out as "top". An exact run wins (distance 0), even of words not in the dictionary."""
    spoken = words.split()
    best: tuple[str, str, float] | None = None
    for phrase in phrases:
        n = len(phrase.split())
        for start in range(len(spoken) - n + 1):
            heard = " ".join(spoken[start : start + n])
            near = matcher.nearest(heard, among=[phrase]) if heard != phrase else None
            distance = 0.0 if heard == phrase else (near.distance if near else 1.0)
            if distance <= MAX_SOUND_DISTANCE and (best is None or distance < best[2]):
                best = (heard, phrase, distance)
    return best


class WhisperRecognizer(EndpointedRecognizer):
    """A Recognizer on Whisper: free transcription, then a match to an allowed phrase."""

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
        window_s: float = WINDOW_S,
        end_silence_s: float = END_SILENCE_S,
        min_confidence: float = MIN_CONFIDENCE,
        restricted: bool = True,
        detector: SpeechDetector | None = None,
        name: str | None = None,
        sound_alikes: tuple[float, float] = (MAX_CHECKED_DISTANCE, MAX_FORCED_LOSS),
    ) -> None:
        """`model` is an already loaded WhisperModel (tests and benchmarks share one);
        `detector` (default: the best available) tells speech frames from the rest;
        `sound_alikes` is (how far a whole transcript may sound from a phrase, how much less
        likely Whisper may find the phrase), which benchmarks/sound_alikes.py sweeps.

        `name` (addressed mode: the phrases given begin with it, commands.addressed_phrases):
        a transcript must begin with the name, written as itself or as a word Whisper confirms
        as the name (`_named_sound_alike`). Matched by sound as a whole, the bare "how many
        left" is near enough to "coach how many left" (3 phones of 13). The prompt lists the
        name and the bare phrases apart: listing "Coach how many left." made tiny.en write the
        name before a bare command.

        `restricted=False` is the benchmark's baseline: no prompt, every command allowed in every
        state, only exact phrases (no sound-alike matching, no spotting).
        """
        super().__init__(end_silence_s, MAX_SPOTTING_S, PAD_S,
                         (EARLY_SILENCE_S, EARLY_DIP_S, EARLY_MAX_S) if restricted else None,
                         detector)
        model = model if model is not None else load_model(model_dir, compute_type, cpu_threads)
        self._transcriber = Transcriber(model, window_s, beam_size)
        self._index = {normalize(p): c for c, items in phrases.items() for p in items}
        self._prefix = f"{normalize(name)} " if name else None
        self._matcher = PhraseMatcher([*self._index, *map(self._without_name, self._index),
                                       *([name] if name else [])])
        self._min_confidence = min_confidence
        self._restricted = restricted
        self._max_distance, self._max_loss = sound_alikes
        self.last_forced_loss: float | None = None
        """How much less likely Whisper found the latest sound-alike it was asked to confirm
        (None when the latest utterance needed no confirming)."""
        self._commands: frozenset[Command] = frozenset()
        self._allowed: dict[str, Command] = {}
        self._always_heard: list[str] = []
        """The allowed stop/safety phrases: the only ones looked for inside longer speech."""
        self._prompt = ""
        self.set_commands(set(self._index.values()) if commands is None else commands)
        self.last_evidence: TranscriptEvidence | None = None
        """The confidence model's inputs for the latest credible match (for tuning it)."""

    @property
    def commands(self) -> frozenset[Command]:
        """The commands that may be returned now."""
        return self._commands

    def set_commands(self, commands: Collection[Command]) -> None:
        """Only these commands may be returned; the prompt lists only their phrases."""
        self._commands = frozenset(commands if self._restricted else self._index.values())
        self._allowed = {p: c for p, c in self._index.items() if c in self._commands}
        # Bare only: "coach stop" is 2 phones of 7 from "coach skip", but "stop" 2 of 4 from "skip".
        self._always_heard = [p for p, c in self._allowed.items() if c in ALWAYS_HEARD
                              and (self._prefix is None or not p.startswith(self._prefix))]
        spoken = {self._without_name(p) for p in self._allowed}
        if self._prefix is not None:
            spoken.add(self._prefix.strip())
        self._prompt = prompt_for(spoken) if self._restricted else ""

    def _is_named(self, key: str) -> bool:
        """The transcript begins with the name itself (addressed mode)."""
        return self._prefix is not None and key.startswith(self._prefix)

    def _without_name(self, phrase: str) -> str:
        """The phrase without the name in front (unchanged without a name)."""
        return phrase.removeprefix(self._prefix) if self._prefix else phrase

    def _sound_alike(self, key: str, written: str) -> Match | None:
        """The allowed phrase `key` sounds like, confirmed by Whisper (None if none is). In
        addressed mode `key` is "<name> <phrase>" with the name or the phrase written otherwise,
        or else one of the bare phrases (stop, safety)."""
        words = written.split()
        among = list(self._allowed)
        if self._prefix is not None:
            first, _, rest = key.partition(" ")
            named = self._named_sound_alike(first, rest, words) if rest else None
            if named is not None:
                return named
            among = [p for p in among if not p.startswith(self._prefix)]
        near = self._matcher.nearest(key, among=among)
        is_confirmed = self._is_confirmed(near, lambda said: [cased(said, words[0])],
                                          self._max_loss)
        return near if is_confirmed else None

    def _named_sound_alike(self, first: str, rest: str, words: list[str]) -> Match | None:
        """"<name> <phrase>" for a transcript whose first word is `first` and the rest `rest`.
        Whisper is made to write the name in place of a first word that is not it (within
        MAX_NAME_LOSS: "Cult. Easier." for "coach, easier" loses ~3 nats as "Coach. Easier.",
        "So pause." for "so, pause" 12-15), or the phrase in place of the words after the name."""
        assert self._prefix is not None
        near = self._matcher.nearest(rest, among=[
            p.removeprefix(self._prefix) for p in self._allowed if p.startswith(self._prefix)])
        name = self._prefix.strip()

        def forms(said: str) -> list[str]:
            if first == name:
                return [f"{words[0]} {cased(said, words[1] if len(words) > 1 else 'X')}"]
            title = name[:1].upper() + name[1:]
            return [f"{title}. {cased(said, 'X')}", f"{title} {said}"]

        if not self._is_confirmed(near, forms,
                                  self._max_loss if first == name else MAX_NAME_LOSS):
            return None
        assert near is not None
        # A name heard only by its sound makes the whole a sound-alike (the gate drops those
        # over the coach's voice), but the confidence model judges the command's own words.
        return Match(self._prefix + near.phrase,
                     near.distance if first == name else max(near.distance, NAME_SOUND_ALIKE))

    def _is_confirmed(self, near: Match | None, forms: Callable[[str], list[str]],
                      max_loss: float) -> bool:
        """Whether `near` is near enough and Whisper, made to write it (`forms(phrase)`, each
        ended with "." and "?") instead of what it wrote, finds it at most `max_loss` nats less
        likely."""
        if near is None or near.distance > self._max_distance:
            return False
        texts = [form + mark for form in forms(near.phrase) for mark in ".?"]
        written_log_p, forced_log_p = self._transcriber.log_likelihoods(texts)
        self.last_forced_loss = written_log_p - max(forced_log_p)
        return self.last_forced_loss <= max_loss

    def recognize(self, utterance: Utterance) -> Recognition | None:
        """Transcribe one utterance and match it; speech that is no command keeps its text."""
        if not self._allowed:
            return None
        # Room for a cue's words around a spotted "stop": ~4 tokens per second of speech.
        max_tokens = 12 + round(4 * max(0.0, utterance.duration_s - 1.0))
        max_command_s = MAX_COMMAND_S + (NAME_S if self._prefix is not None else 0.0)
        is_long = utterance.duration_s > max_command_s
        self.last_forced_loss = None
        transcript = self._transcriber.transcribe(utterance.pcm, self._prompt, max_tokens,
                                                  find_words=is_long)
        if not transcript.text:
            return None
        text = without_repeats(transcript.text)
        key = command_text(text)
        words_s = words_length_s(transcript.words_s, utterance.duration_s)
        # Other people talking keep the endpointer open around a command: long speech whose
        # written words are themselves command-length is judged as a whole (exact phrases only).
        is_whole = not is_long or words_s <= max_command_s
        phrase, heard, distance, is_spotted = self._match(key, not is_whole, written=text,
                                                          may_sound_alike=not is_long)
        command = self._allowed.get(phrase) if phrase is not None else None
        if command is None:
            return Recognition(None, text, 0.0, self.name, end_s=utterance.end_s,
                               start_s=utterance.start_s)
        evidence = TranscriptEvidence(
            math.log(max(transcript.probability, 1e-9)), transcript.no_speech, distance,
            len(phones_of(phrase) or ()), min(words_s, MAX_COMMAND_S))
        # The same floor for stop/safety spotted over the coach: a lower one (0.15) let a "stop"
        # invented from the cue's echo end a workout in a clean-clone CI run.
        floor = MIN_NAMED_PROBABILITY if self._is_named(key) else MIN_PROBABILITY
        is_doubtful = (transcript.no_speech > MAX_NO_SPEECH_PROB or
                       transcript.probability * (1 - transcript.no_speech) < floor)
        # Doubtful matches never count, so they stay out of the model's tuning data too.
        self.last_evidence = None if is_doubtful else evidence
        confidence = 0.0 if is_doubtful else CONFIDENCE_MODEL.confidence(evidence)
        # A spotted phrase keeps the words heard, so the echo gate can tell the cue's own words
        # ("hold at the top") from the user's "stop" said over it.
        return Recognition(command if confidence >= self._min_confidence else None,
                           heard if is_spotted else text, confidence, self.name,
                           end_s=utterance.end_s, start_s=utterance.start_s,
                           is_spotted=is_spotted, sound_distance=distance)

    def is_sure(self, recognition: Recognition) -> bool:
        """An early result stands when its transcript is, word for word, an allowed phrase of
        its command, or a sound-alike Whisper confirmed (`_sound_alike`), and no longer allowed
        phrase begins with the phrase ("pause" could still become "pause workout"; for a
        sound-alike, with any phrase of its command). Not with fillers: "Please. Skip." was the
        start of a sentence that went on, in the benchmark's chatter. A confirmed sound-alike
        used to wait out the end silence and be decoded and confirmed again: ~0.4 s later."""
        if recognition.is_spotted or recognition.command is None:
            return False
        said = normalize(recognition.text)
        if command_text(recognition.text) != said:
            return False
        phrases = ([said] if self._allowed.get(said) is recognition.command else []) if (
            recognition.sound_distance == 0) else [
            p for p, c in self._allowed.items() if c is recognition.command]
        return bool(phrases) and not any(other.startswith(f"{phrase} ") for phrase in phrases
                                         for other in self._allowed)

    def _match(self, key: str, is_long: bool, *, written: str,
               may_sound_alike: bool = True) -> tuple[str | None, str, float, bool]:
        """(allowed phrase, the words that matched it, how far they sound from it, whether it
        was spotted inside longer speech); `written` is the transcript `key` was made from."""
        if not is_long:
            if key in self._allowed:
                return key, key, 0.0, False
            if not self._restricted:
                return None, key, 0.0, False
            near = self._sound_alike(key, written) if may_sound_alike else None
            if near is not None:
                return near.phrase, key, near.distance, False
        if not self._restricted:
            return None, key, 0.0, False
        spotted = spot(key, self._always_heard, self._matcher)
        if spotted is None:
            return None, key, 0.0, False
        heard, phrase, distance = spotted
        return phrase, heard, distance, True
