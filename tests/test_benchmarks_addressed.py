"""The addressed mode's benchmark columns: what the users say, and which false accepts needed the
name (no recognizer: the records are made by hand)."""

from __future__ import annotations

from benchmarks import addressed
from voicecoach.commands import Command


def test_users_say_the_name_before_every_command_but_stop_and_safety() -> None:
    said = addressed.said_addressed({Command.PAUSE: ("pause",), Command.STOP: ("stop",),
                                     Command.SAFETY: ("ouch",)})
    assert said == {Command.PAUSE: ("coach, pause",), Command.STOP: ("stop",),
                    Command.SAFETY: ("ouch",)}


def record(heard: list[str], count: int) -> dict:
    per_command = {"pause": 0.9, "stop": 1.0}
    return {"all_conditions": {"acceptance": 0.95, "wrong_command": 0.01},
            "per_command": per_command, "latency_s": {"median": 0.4},
            "false_accepts": {"other speech": {"count": count, "audio_s": 1800.0,
                                               "heard": heard}}}


def test_false_accepts_that_needed_the_name_are_told_apart_by_their_words() -> None:
    named = addressed._split_false_accepts(record(["Coach. Pause. <- tv", "stop <- tv"], 2))
    assert named == {"other speech": (1, False)}
    assert addressed._split_false_accepts(record(["stop"] * 20, 25)) == {
        "other speech": (0, True)}


def test_the_table_puts_open_and_addressed_side_by_side() -> None:
    pair = {"backend": "whisper", "open": record(["Pause."], 1),
            "addressed": {**record(["Coach. Pause."], 1),
                          "named_false_accepts": {"other speech": (1, False)}}}
    table = addressed.markdown([pair])
    assert table.splitlines()[0] == "| | whisper open | whisper addressed |"
    assert "| acceptance, commands that need the name | 90.0 % | 90.0 % |" in table
    lines = table.splitlines()
    at = lines.index("| false accepts / h, synthetic speech (cues + other speakers) | "
                     "2.0 (1 in 30 min) | 2.0 (1 in 30 min) |")
    assert lines[at + 1] == "| ... of them commands that need the name | - | 2.0 (1 in 30 min) |"
    assert "| false accepts / h, real people | unavailable | unavailable |" in lines
