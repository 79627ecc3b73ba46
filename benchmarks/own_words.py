"""Own-words benchmark: what the user's calibration takes add to recognition, and what they cost.

    python benchmarks/own_words.py [--backend whisper|pocketsphinx] [--speakers N] [--real]

Every synthetic speaker of a split is calibrated as in benchmarks/voice_lock.py (two takes of
each command at 30 dB SNR). Then every speaker says every command in an ordinary room (pink noise
at 20 dB) and a noisy one (10 dB), ordinary sentences (corpus.CHATTER) and words that sound
near a command (NEAR_WORDS). Everything goes through the real Listener, open (no profile). Each
utterance the listener refused as no command or as doubtful is then matched by ears/own_words.py
against the profiles, as a listener with that profile would:

- the user's own refused commands taken for the right command (the gain) or a wrong one;
- false accepts per hour of the user's own sentences and near words (their own profile), and
  (--real) of the recordings of real people from benchmarks/real_speech.py (every profile);
- other voices' refused commands taken for a command by the user's profile (should be none:
  the threshold is no looser than the voice lock's).

Two rules: the shipped one (the recognizer's words must be those of one of the command's takes,
and the sound near them) and the sound alone (tried, not shipped). The constants
(own_words.MAX_DISTANCE, MIN_RATIO) were chosen on the "tune" voices; the "test" voices are held
out. A sweep shows the trade-off. Prints markdown, writes JSON to benchmarks/results/.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

if __package__ in (None, ""):  # run as a script: make the project importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks import real_speech
from benchmarks.voice_control import RESULTS_DIR, backends, load_phrases
from benchmarks.voice_lock import USE_ROOM, enrol
from voicecoach.audio import SAMPLE_RATE_HZ
from voicecoach.commands import STATE_GRAMMAR, Command
from voicecoach.ears import EchoGate, GatePolicy, Listener, own_words
from voicecoach.ears.capture import BLOCK_FRAMES
from voicecoach.ears.voice_profile import Take, VoiceProfile
from voicecoach.sim import corpus
from voicecoach.sim.corpus import Condition, Speaker
from voicecoach.sim.synth import Noise, pad
from voicecoach.states import State

NOISY_ROOM = Condition(Noise.PINK, 10.0)
ROOMS = (USE_ROOM, NOISY_ROOM)
DISTANCES = (0.9, 1.0, 1.1, 1.2, 1.3, 1.5)
RATIOS = (1.0, 1.1, 1.25, 1.4, 1.6)
NEAR_WORDS = ("sip", "top", "star", "cause", "hard", "pastor", "powder", "quiet", "Freddy",
              "perfume", "easy", "next", "best", "slow", "ladder", "reason")
"""Ordinary words that sound close to a command phrase (skip, stop, start, pause, harder, faster,
louder, quieter, ready, resume, easier, what's next, rest, slower, ...): the hardest words a
matcher by sound must refuse."""
GRAMMARS: Mapping[str, frozenset[Command]] = {
    "all commands": frozenset(Command),
    "ready (7 commands)": STATE_GRAMMAR[State.READY],
}
"""Matched against every command (as `voicecoach listen`), and against the smallest grammar a
user talks in (fewer rivals, so more false accepts)."""


@dataclass(frozen=True)
class Doubted:
    """Words the open listener refused as no command or as doubtful, with their audio."""

    speaker: Speaker
    said: Command | None
    """The command that was said (None: an ordinary sentence or a real recording)."""
    source: str
    """"commands", "sentences", "near words" or "real people"."""
    samples: np.ndarray
    text: str
    """What the recognizer made of them."""


@dataclass(frozen=True)
class Said:
    """One command utterance: was it obeyed open, and what the listener doubted of it."""

    speaker: Speaker
    command: Command
    room: str
    is_obeyed: bool
    doubted: tuple[Doubted, ...]


Matched = list[tuple[Doubted, own_words.OwnWordsMatch]]


def listen(listener: Listener, samples: np.ndarray
           ) -> tuple[list[tuple[np.ndarray, str]], list[Command]]:
    """((audio, words) of each doubted utterance, commands obeyed) when `samples` is fed in
    blocks."""
    pcm = (np.clip(samples, -1, 1) * 32767).astype("<i2").tobytes()
    heard = []
    for offset in range(0, len(pcm), BLOCK_FRAMES * 2):
        heard += listener.feed(pcm[offset:offset + BLOCK_FRAMES * 2], offset / 32000)
    heard += listener.finish()
    doubted = [(listener.audio_of(h.recognition), h.recognition.text) for h in heard
               if h.rejected_because is not None and is_doubt(h.rejected_because)]
    obeyed = [h.recognition.command for h in heard
              if h.rejected_because is None and h.recognition.command is not None]
    return doubted, obeyed


def is_doubt(reason: str) -> bool:
    """The refusals the user's takes are asked about (Listener does the same)."""
    return reason == "not a command" or reason.startswith("confidence")


def profile_of(speaker: Speaker, phrases: Mapping[Command, Sequence[str]],
               rng: np.random.Generator) -> VoiceProfile:
    """The speaker's calibration, as `voicecoach calibrate` would store it."""
    takes = enrol(speaker, phrases, rng)
    return VoiceProfile.from_takes("benchmark", -60.0, {
        command: [Take(phrases[command][0], f) for f in features]
        for command, features in takes.items()})


def matches(profile: VoiceProfile, doubted: Iterable[Doubted], allowed: Collection[Command]
            ) -> Matched:
    """Every doubted utterance with the profile's nearest command (those with one)."""
    found = []
    for item in doubted:
        match = own_words.nearest(profile, item.samples, allowed, item.text)
        if match is not None:
            found.append((item, match))
    return found


def is_clear(match: own_words.OwnWordsMatch, distance: float, ratio: float,
             same_words: bool) -> bool:
    """own_words.OwnWordsMatch.is_clear at other constants (the sweep); `same_words`: whether
    the recognizer's words must be the take's (shipped) or the sound alone decides (tried)."""
    return ((match.is_same_words or not same_words)
            and match.distance <= min(distance, match.threshold)
            and match.runner_up >= ratio * match.distance)


def score(said: Sequence[Said], own: Matched, others: Matched, speech: Matched,
          speech_hours: Mapping[str, float], distance: float, ratio: float, same_words: bool
          ) -> dict[str, float | int]:
    """The table's figures at one (distance, ratio). `own`: users' own doubted commands matched
    with their own profile; `others`: with other users' profiles; `speech`: non-command speech
    matched with its speaker's own profile (a real person's with every profile), and
    `speech_hours` of it per source (as often as it was matched)."""
    right = sum(m.command is d.said for d, m in own if is_clear(m, distance, ratio, same_words))
    obeyed = sum(s.is_obeyed for s in said)
    figures: dict[str, float | int] = {
        "said": len(said),
        "open_pct": 100 * obeyed / max(1, len(said)),
        "with_profile_pct": 100 * (obeyed + right) / max(1, len(said)),
        "rescued": right,
        "wrong": sum(m.command is not d.said for d, m in own if is_clear(m, distance, ratio, same_words)),
        "others_taken": sum(is_clear(m, distance, ratio, same_words) for _, m in others),
    }
    for source, hours in speech_hours.items():
        accepts = sum(is_clear(m, distance, ratio, same_words) for d, m in speech if d.source == source)
        figures[f"fa_per_hour:{source}"] = accepts / hours if hours else float("nan")
    return figures


def run_split(split: corpus.Split, count: int, backend: str,
              phrases: Mapping[Command, Sequence[str]], seed: int, real: bool
              ) -> dict[str, object]:
    """Calibrate, say and match one split's speakers; the figures over the sweep."""
    rng = np.random.default_rng(seed)
    voices = corpus.speakers(count, split, seed=seed)
    listener = Listener(backends(phrases)[backend](phrases), EchoGate(None, GatePolicy()))
    listener.listen_for_commands(frozenset(Command))
    started = time.perf_counter()
    profiles = {v: profile_of(v, phrases, rng) for v in voices}
    said: list[Said] = []
    speech: list[Doubted] = []
    fed_s: dict[str, float] = {}
    for voice in voices:
        for room in ROOMS:
            for command, items in phrases.items():
                samples = room.apply(pad(voice.say(items[0]), 0.5, 0.8), rng)
                doubted, obeyed = listen(listener, samples)
                said.append(Said(voice, command, room.label, command in obeyed,
                                 tuple(Doubted(voice, command, "commands", *d) for d in doubted)))
        for source, texts in (("sentences", corpus.CHATTER), ("near words", NEAR_WORDS)):
            for text in texts:
                samples = USE_ROOM.apply(pad(voice.say(text), 0.5, 0.8), rng)
                fed_s[source] = fed_s.get(source, 0.0) + len(samples) / SAMPLE_RATE_HZ
                speech += [Doubted(voice, None, source, *d) for d in listen(listener, samples)[0]]
    if real:
        pieces, fed_s["real people"] = real_doubted(listener, phrases, split, seed)
        speech += pieces
    # the user's own sentences and near words against their own profile (others' voices lie
    # beyond its threshold); real people, who are nobody's user, against every profile
    hours = {source: seconds * (len(profiles) if source == "real people" else 1) / 3600
             for source, seconds in fed_s.items()}
    missed = [d for s in said if not s.is_obeyed for d in s.doubted]
    record: dict[str, object] = {"split": split, "backend": backend,
                                 "speakers": [v.label for v in voices], "speech_hours": hours}
    for grammar, allowed in GRAMMARS.items():
        own: Matched = []
        others: Matched = []
        heard: Matched = []
        for user, profile in profiles.items():
            own += matches(profile, [d for d in missed if d.speaker == user], allowed)
            others += matches(profile, [d for d in missed if d.speaker != user], allowed)
            heard += matches(profile, [d for d in speech
                                       if d.speaker == user or d.source == "real people"], allowed)
        record[grammar] = {f"{d}/{r}": score(said, own, others, heard, hours, d, r, True)
                           for d in DISTANCES for r in RATIOS}
        record[f"{grammar}, sound alone"] = {
            f"{d}/{r}": score(said, own, others, heard, hours, d, r, False)
            for d in DISTANCES for r in RATIOS}
    record["seconds"] = round(time.perf_counter() - started, 1)
    return record


def real_doubted(listener: Listener, phrases: Mapping[Command, Sequence[str]],
                 split: corpus.Split, seed: int) -> tuple[list[Doubted], float]:
    """(every doubted piece of this split's real recordings, seconds fed); none when the
    recordings are unavailable."""
    found = real_speech.load(split, phrases)
    speaker = Speaker("real", 0, 0)
    pieces: list[Doubted] = []
    fed_s = 0.0
    for recording in real_speech.take(found.recordings, 1800.0, seed):
        samples = pad(recording.samples, 0.3, 0.8)
        fed_s += len(samples) / SAMPLE_RATE_HZ
        pieces += [Doubted(speaker, None, "real people", *d)
                   for d in listen(listener, samples)[0]]
    return pieces, fed_s


def markdown(records: Sequence[Mapping[str, object]], command: str) -> str:
    """The README table (shipped constants) and the sweep on each half."""
    shipped = f"{own_words.MAX_DISTANCE}/{own_words.MIN_RATIO}"
    lines = [f"Measured {time.strftime('%Y-%m-%d')} with `{command}` (shipped: distance "
             f"<= {own_words.MAX_DISTANCE}, ratio >= {own_words.MIN_RATIO}).", "",
             "| voices | grammar | commands said | obeyed, open | with your takes | wrong | "
             "others' commands taken | false accepts/h: your sentences | your near words | "
             "real people |",
             "|---|---|---|---|---|---|---|---|---|---|"]
    for r in records:
        label = "tune (fitted on)" if r["split"] == "tune" else "test (held out)"
        for grammar in [g for name in GRAMMARS for g in (name, f"{name}, sound alone")]:
            table = r[grammar]
            assert isinstance(table, dict)
            lines.append(f"| {label} | {grammar} | " + _cells(table[shipped]) + " |")
    lines += ["", "Sweep, all commands, the recognizer's words agreeing (obeyed with your takes / "
              "wrong / false accepts per hour of your sentences, near words, real people):", "",
              "| distance / ratio | " + " | ".join(str(r["split"]) for r in records) + " |",
              "|---|" + "---|" * len(records)]
    for key in records[0]["all commands"]:  # type: ignore[union-attr]
        cells = []
        for r in records:
            f = r["all commands"][key]  # type: ignore[index]
            cells.append(f"{f['with_profile_pct']:.1f} % / {f['wrong']} / "
                         f"{f['fa_per_hour:sentences']:.1f}, "
                         f"{f['fa_per_hour:near words']:.1f}, "
                         f"{f.get('fa_per_hour:real people', float('nan')):.1f}")
        lines.append(f"| {key} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def _cells(f: Mapping[str, float]) -> str:
    real = f.get("fa_per_hour:real people")
    return (f"{f['said']} | {f['open_pct']:.1f} % | {f['with_profile_pct']:.1f} % | "
            f"{f['wrong']} | {f['others_taken']} | {f['fa_per_hour:sentences']:.1f} | "
            f"{f['fa_per_hour:near words']:.1f} | "
            + ("-" if real is None else f"{real:.1f}"))


def main(argv: Sequence[str] | None = None) -> int:
    """Run both halves and print the tables."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--backend", default="whisper", choices=("whisper", "pocketsphinx"))
    parser.add_argument("--speakers", type=int, default=6, help="speakers per half (default 6)")
    parser.add_argument("--real", action="store_true",
                        help="also match real people's recordings (benchmarks/real_speech.py)")
    parser.add_argument("--out", type=Path, default=RESULTS_DIR)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    phrases = load_phrases()
    records = [run_split(split, args.speakers, args.backend, phrases, args.seed, args.real)
               for split in ("tune", "test")]
    command = "python benchmarks/own_words.py " + " ".join(
        argv if argv is not None else sys.argv[1:])
    print(markdown(records, command.strip()))
    args.out.mkdir(parents=True, exist_ok=True)
    out = args.out / f"own_words-{time.strftime('%Y%m%d-%H%M%S')}.json"
    out.write_text(json.dumps(records, indent=1, default=str))
    print(f"\n(JSON in {out})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
