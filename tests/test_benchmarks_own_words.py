"""The own-words benchmark's arithmetic: what counts as a gain, a wrong command and a false accept
under each rule and at each constant."""

from __future__ import annotations

import numpy as np

from benchmarks.own_words import Doubted, Said, is_clear, markdown, score
from voicecoach.commands import Command
from voicecoach.ears.own_words import OwnWordsMatch
from voicecoach.sim.corpus import Speaker

ANN = Speaker("en-us+f3", 150, 50)
NOTHING = np.zeros(0, np.float32)


def match(command: Command, distance: float, same_words: bool = True,
          runner_up: float = 5.0) -> OwnWordsMatch:
    return OwnWordsMatch(command, command.value, distance, 1.5, runner_up, same_words)


def doubted(said: Command | None, source: str = "commands") -> Doubted:
    return Doubted(ANN, said, source, NOTHING, "words")


def test_the_rule_needs_the_words_the_distance_and_the_margin() -> None:
    assert is_clear(match(Command.PAUSE, 1.0), 1.2, 1.25, same_words=True)
    assert not is_clear(match(Command.PAUSE, 1.0, same_words=False), 1.2, 1.25, same_words=True)
    assert is_clear(match(Command.PAUSE, 1.0, same_words=False), 1.2, 1.25, same_words=False)
    assert not is_clear(match(Command.PAUSE, 1.3), 1.2, 1.25, same_words=True)
    assert not is_clear(match(Command.PAUSE, 1.0, runner_up=1.2), 1.2, 1.25, same_words=True)
    assert not is_clear(OwnWordsMatch(Command.PAUSE, "pause", 1.1, 1.0, 5.0, True), 1.2, 1.25,
                        same_words=True)  # beyond the command's own (voice lock) threshold


def test_gains_wrong_commands_and_false_accepts_are_counted_apart() -> None:
    said = [Said(ANN, Command.PAUSE, "20 dB", True, ()),
            Said(ANN, Command.SKIP, "20 dB", False, (doubted(Command.SKIP),)),
            Said(ANN, Command.STOP, "20 dB", False, (doubted(Command.STOP),)),
            Said(ANN, Command.REST, "20 dB", False, ())]
    own = [(said[1].doubted[0], match(Command.SKIP, 0.8)),
           (said[2].doubted[0], match(Command.START, 0.9))]
    speech = [(doubted(None, "near words"), match(Command.SKIP, 0.7)),
              (doubted(None, "near words"), match(Command.STOP, 0.7, same_words=False))]
    figures = score(said, own, [], speech, {"near words": 0.5, "sentences": 0.25}, 1.2, 1.25,
                    same_words=True)
    assert figures["open_pct"] == 25.0 and figures["with_profile_pct"] == 50.0
    assert (figures["rescued"], figures["wrong"]) == (1, 1)
    assert figures["fa_per_hour:near words"] == 2.0  # one in half an hour
    assert figures["fa_per_hour:sentences"] == 0.0
    loose = score(said, own, [], speech, {"near words": 0.5}, 1.2, 1.25, same_words=False)
    assert loose["fa_per_hour:near words"] == 4.0


def test_the_table_names_both_halves_both_rules_and_the_command() -> None:
    said = [Said(ANN, Command.PAUSE, "20 dB", True, ())]
    figures = score(said, [], [], [], {"sentences": 0.1, "near words": 0.1}, 1.2, 1.25, True)
    grammars = ("all commands", "ready (7 commands)")
    records = [{"split": split, **{f"{g}{rule}": {"1.2/1.25": figures}
                                   for g in grammars for rule in ("", ", sound alone")}}
               for split in ("tune", "test")]
    table = markdown(records, "python benchmarks/own_words.py")
    assert "with `python benchmarks/own_words.py`" in table
    assert "| tune (fitted on) | all commands | 1 | 100.0 % | 100.0 % | 0 | 0 | 0.0 | 0.0 | - |" \
        in table
    assert "| test (held out) | ready (7 commands), sound alone |" in table
