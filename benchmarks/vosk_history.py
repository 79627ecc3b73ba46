"""Vosk-history benchmark: is each Korean command phrase heard whatever the process decoded before?

    python benchmarks/vosk_history.py [--histories 15] [--wpm 175] [--only PHRASE] [--seed 0]

Vosk's decode of a runtime grammar depends on what the process decoded before: OpenFst's
`LabelReachable::LowerBound`, in the lookahead composition Vosk builds for the grammar, reads
uninitialised memory (valgrind, 2026-12-03), so the same clip can come out at confidence 1.0
or 0.5, or as other words, from one recognizer to the next. A phrase near that edge passes or
fails by test order, and fails a user by what was said before. This decodes each phrase of
voicecoach/languages/ko.toml (espeak-ng speech, the grammar of a state that listens for it, as
tests/test_recognizers_korean_phrases.py does) after `--histories` random histories of 0-2
other Korean decodes each, and prints how often each phrase was heard as its command and what
it was heard as otherwise. Written here because no library measures this: it is a property of
this engine and these phrases.
"""

from __future__ import annotations

import argparse
import random
import sys
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

import pytest

if __package__ in (None, ""):  # run as a script: make the project importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.fixtures.ears import (
    KO_NON_COMMANDS,
    decode_clip,
    korean_model_dir,
    korean_phrases,
    korean_workout_recognizer,
    speech,
)
from voicecoach.commands import Command
from voicecoach.ears.base import Recognition


def outcome(heard: Sequence[Recognition], command: Command) -> str:
    """'ok' when the clip was heard as exactly its command, else what was heard."""
    if [r.command for r in heard] == [command]:
        return "ok"
    return " / ".join(f"{r.text} ({r.confidence:.2f})" for r in heard) or "nothing"


def measure(histories: int, wpm: int, only: str | None, seed: int) -> dict[str, Counter[str]]:
    """Per phrase, how often each outcome came after a random history."""
    pairs = [(c, p) for c, p in korean_phrases() if only is None or p == only]
    if not pairs:
        raise SystemExit(f"vosk_history: {only!r} is no Korean command phrase (ko.toml)")
    korean_model_dir()  # without the model: stop here, before any speech is made or progress shown
    others = [speech(p) for _, p in pairs] + [speech(t, v) for t, v in KO_NON_COMMANDS]
    rng = random.Random(seed)
    results: dict[str, Counter[str]] = {p: Counter() for _, p in pairs}
    for round_number in range(histories):
        print(f"\rhistory {round_number + 1}/{histories}", end="", file=sys.stderr, flush=True)
        for command, phrase in pairs:
            history = korean_workout_recognizer()
            for _ in range(rng.randrange(3)):
                decode_clip(history, rng.choice(others))
            heard = decode_clip(korean_workout_recognizer(command), speech(phrase, speed_wpm=wpm))
            results[phrase][outcome(heard, command)] += 1
    print(file=sys.stderr)
    return results


def table(results: dict[str, Counter[str]], histories: int) -> str:
    """A Markdown table: heard right out of the histories, and the other outcomes."""
    rows = ["| phrase | heard as its command | otherwise heard as |", "|---|---|---|"]
    for phrase, outcomes in results.items():
        others = "; ".join(f"{text} ×{n}" for text, n in outcomes.most_common() if text != "ok")
        rows.append(f"| {phrase} | {outcomes['ok']} of {histories} | {others or '-'} |")
    return "\n".join(rows)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--histories", type=int, default=15,
                        help="random histories each phrase is decoded after (default 15)")
    parser.add_argument("--wpm", type=int, default=175,
                        help="espeak-ng speed, words a minute (default 175, the tests')")
    parser.add_argument("--only", metavar="PHRASE", help="measure this phrase alone")
    parser.add_argument("--seed", type=int, default=0, help="seed of the random histories")
    args = parser.parse_args(argv)
    try:
        results = measure(args.histories, args.wpm, args.only, args.seed)
    except pytest.skip.Exception as missing:  # the shared test fixture skips without the model
        print(f"vosk_history: {missing.msg}", file=sys.stderr)
        return 2
    print(table(results, args.histories))
    return 0


if __name__ == "__main__":
    sys.exit(main())
