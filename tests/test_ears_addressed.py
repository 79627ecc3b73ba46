"""Addressed mode without an engine: the phrase table the recognizers get, and the gate's refusal."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.fixtures.english_ears import PHRASES
from voicecoach.commands import Command, addressed_phrases, unaddressed_phrases
from voicecoach.ears import EchoGate, GatePolicy, Recognition
from voicecoach.ears.factory import addressing_fillers, gate_for, heard_phrases
from voicecoach.files import Settings, load_settings


def addressed_settings(tmp_path: Path, name: str = "coach") -> Settings:
    config = tmp_path / "addressed.toml"
    config.write_text(f'[recognition]\nlistening_mode = "addressed"\nname = "{name}"\n')
    return load_settings(config).settings


def test_commands_that_need_the_name_are_heard_only_with_it() -> None:
    table = addressed_phrases({Command.PAUSE: ("Pause", "wait"),
                               Command.HOW_MANY_LEFT: ("how many left",)}, "Coach")
    assert table == {Command.PAUSE: ("coach pause", "coach wait"),
                     Command.HOW_MANY_LEFT: ("coach how many left",)}


def test_stop_and_safety_are_heard_bare_and_with_the_name() -> None:
    table = addressed_phrases({Command.STOP: ("stop",), Command.SAFETY: ("that hurts",)}, "coach")
    assert table == {Command.STOP: ("stop", "coach stop"),
                     Command.SAFETY: ("that hurts", "coach that hurts")}


def test_the_bare_phrases_of_addressed_commands_are_known_non_commands() -> None:
    bare = unaddressed_phrases(PHRASES)
    assert bare["pause"] is Command.PAUSE and bare["what's next"] is Command.WHATS_NEXT
    assert "stop" not in bare and "ouch" not in bare


def test_open_modes_hand_the_recognizers_the_settings_own_phrases() -> None:
    settings = load_settings().settings
    assert heard_phrases(settings) == settings.commands
    assert addressing_fillers(settings) == ()


def test_addressed_mode_hands_them_the_named_phrases_and_the_bare_ones_as_fillers(
        tmp_path: Path) -> None:
    settings = addressed_settings(tmp_path, "Trainer")
    assert heard_phrases(settings)[Command.PAUSE] == ("trainer pause", "trainer wait")
    fillers = addressing_fillers(settings)
    assert fillers[0] == "trainer" and "pause" in fillers and "stop" not in fillers


def said(command: Command | None, text: str) -> Recognition:
    return Recognition(command, text, 0.9, "test")


@pytest.mark.parametrize(("recognition", "expected"), [
    (said(None, "Pause."), 'not addressed: say "coach, pause"'),
    (said(None, "How many left?"), 'not addressed: say "coach, how many left"'),
    (said(None, "Hello there."), "not a command"),
    (said(Command.PAUSE, "Coach, pause."), None),
    (said(Command.STOP, "Stop."), None),
])
def test_the_gate_says_when_a_command_lacked_the_name(
        tmp_path: Path, recognition: Recognition, expected: str | None) -> None:
    gate = gate_for(addressed_settings(tmp_path), None)
    assert gate.rejection(recognition, 1.0, 1.5) == expected


def test_outside_addressed_mode_a_bare_phrase_the_recognizer_rejected_is_not_a_command() -> None:
    assert EchoGate(None, GatePolicy()).rejection(said(None, "pause"), 1.0, 1.5) == "not a command"


def test_addressed_commands_barge_in_only_when_the_echo_canceller_runs(tmp_path: Path) -> None:
    from voicecoach.echo.canceller import EchoCanceller
    from voicecoach.echo.coach_speech import SpeakingSignal

    settings = addressed_settings(tmp_path)
    speaking = SpeakingSignal()
    assert gate_for(settings, speaking, EchoCanceller(speaking.audio)).policy.is_barge_in
    assert not gate_for(settings, speaking).policy.is_barge_in
    assert not gate_for(load_settings().settings, speaking,
                        EchoCanceller(speaking.audio)).policy.is_barge_in
