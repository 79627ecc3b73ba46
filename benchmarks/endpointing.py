"""How soon after a command's last word each speech detector lets it be decoded.

    python benchmarks/endpointing.py [--split tune|test] [--speakers N]

Feeds synthetic commands (clean, pink noise and breath at 10 dB SNR) in the live capture's 100 ms
blocks through the endpointer with Whisper's early-offer settings, and reports when the first
offer (or the end of the utterance) came, counted from the end of the spoken words. Audio time
only: no recognizer runs, so the figures do not depend on the machine's load. Decoding time comes
on top (see voice_control.py).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

if __package__ in (None, ""):  # run as a script: make the project importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from voicecoach.audio import SAMPLE_RATE_HZ, to_pcm16
from voicecoach.ears.endpoint import EarlyOffers, Endpointer, Utterance
from voicecoach.ears.recognizers.whisper import (
    EARLY_DIP_S,
    EARLY_MAX_S,
    EARLY_SILENCE_S,
    END_SILENCE_S,
    MAX_SPOTTING_S,
    PAD_S,
)
from voicecoach.ears.voice_activity import LoudnessDetector, SileroDetector, SpeechDetector
from voicecoach.files import load_settings
from voicecoach.sim import corpus
from voicecoach.sim.corpus import Clip
from voicecoach.sim.synth import Noise

BLOCK_BYTES = 2 * round(0.1 * SAMPLE_RATE_HZ)
DETECTORS: dict[str, Callable[[], SpeechDetector]] = {
    "silero": SileroDetector, "loudness": LoudnessDetector}


def offer_delay_s(clip: Clip, detector: SpeechDetector) -> float | None:
    """Seconds from the end of the clip's words to the block in which it was first offered."""
    fed_s = 0.0
    offered_s: list[float] = []

    def answer(_: Utterance) -> bool:
        offered_s.append(fed_s)
        return True

    endpointer = Endpointer(detector, end_silence_s=END_SILENCE_S, pad_s=PAD_S,
                            max_s=MAX_SPOTTING_S,
                            early=EarlyOffers(EARLY_SILENCE_S, EARLY_DIP_S, EARLY_MAX_S, answer))
    pcm = to_pcm16(clip.samples)
    for offset in range(0, len(pcm), BLOCK_BYTES):
        fed_s = (offset + BLOCK_BYTES) / 2 / SAMPLE_RATE_HZ
        if any(u is not None for u in endpointer.process(pcm[offset : offset + BLOCK_BYTES])):
            offered_s.append(fed_s)
        if offered_s:
            return offered_s[0] - clip.speech_end_s
    return None


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--split", choices=["tune", "test"], default="test")
    parser.add_argument("--speakers", type=int, default=3)
    args = parser.parse_args(argv)
    voices = corpus.speakers(args.speakers, args.split, seed=7)
    conditions = [corpus.CLEAN, corpus.Condition(Noise.PINK, 10.0),
                  corpus.Condition(Noise.BREATH, 10.0)]
    clips = list(corpus.command_clips(load_settings().settings.commands, voices, conditions, seed=7))
    print(f"{len(clips)} command clips, {args.split} speakers; ms from the end of the words to "
          "the offer, median / p95 (missed)\n")
    print("| condition | " + " | ".join(DETECTORS) + " |")
    print("|---|" + "---|" * len(DETECTORS))
    for condition in conditions:
        row = [condition.label]
        for make in DETECTORS.values():
            delays = [offer_delay_s(c, make()) for c in clips if c.condition == condition]
            found = [d for d in delays if d is not None]
            missed = len(delays) - len(found)
            row.append(f"{np.median(found) * 1000:.0f} / {np.percentile(found, 95) * 1000:.0f}"
                       + (f" ({missed})" if missed else ""))
        print("| " + " | ".join(row) + " |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
