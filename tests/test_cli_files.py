"""The files commands as a user runs them: exit codes, one-line errors, no tracebacks."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from voicecoach.cli import main

REPO = Path(__file__).resolve().parent.parent


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    """The real console entry point in a subprocess, as a user would call it."""
    return subprocess.run([sys.executable, "-m", "voicecoach", *args], capture_output=True,
                          text=True, cwd=REPO, timeout=60)


def test_help_lists_every_files_command() -> None:
    result = run_cli("--help")
    assert result.returncode == 0
    for command in ("list", "show", "check", "schema", "config"):
        assert f"    {command} " in result.stdout


def test_no_command_prints_help_and_fails(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([]) == 2
    assert "usage: voicecoach" in capsys.readouterr().out


def test_check_bad_file_exits_2_with_located_lines(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: x\nexercises:\n  - name: a\n    sest: 3\n    variations:\n"
                   "      - {name: b, tempo: 4-0-2, reps: 5}\n", encoding="utf-8")
    result = run_cli("check", str(bad))
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert result.stderr.splitlines() == [
        f"voicecoach: {bad}:4: exercises[0].sest: unknown key; did you mean `sets`?",
        f"voicecoach: {bad}:6: exercises[0].variations[0].tempo: impossible tempo (got '4-0-2'); "
        "tempo needs four numbers lower-bottom-lift-top, e.g. 4-0-2-0",
    ]


def test_check_reports_every_file_and_writes_nothing(tmp_path: Path) -> None:
    good = tmp_path / "good.yaml"
    good.write_text("name: g\nexercises:\n  - name: a\n    variations:\n"
                    "      - {name: b, hold_s: 20}\n", encoding="utf-8")
    missing = tmp_path / "missing.yaml"
    before = sorted(tmp_path.iterdir())
    result = run_cli("check", str(good), str(missing))
    assert result.returncode == 2
    assert f"{good}: ok" in result.stdout
    assert f"voicecoach: {missing}: no such routine file" in result.stderr
    assert sorted(tmp_path.iterdir()) == before


def test_schema_is_json_schema_that_knows_tempo(tmp_path: Path) -> None:
    out = tmp_path / "schema.json"
    assert main(["schema", "-o", str(out)]) == 0
    schema = json.loads(out.read_text())
    assert schema["title"] == "voicecoach routine"
    variation = schema["$defs"]["Variation"]["properties"]
    assert "pattern" in json.dumps(variation["tempo"])
    assert schema["additionalProperties"] is False


def test_config_json_shows_provenance(tmp_path: Path) -> None:
    cfg = tmp_path / "mine.toml"
    cfg.write_text("[voice]\nrate_wpm = 140\n", encoding="utf-8")
    result = run_cli("--config", str(cfg), "config", "--json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["voice.rate_wpm"] == {"value": 140, "from": f"--config {cfg}"}
    assert data["voice.volume"]["from"] == "default"


def test_bad_config_is_one_line_exit_2(tmp_path: Path) -> None:
    cfg = tmp_path / "mine.toml"
    cfg.write_text("[voice]\nrate_wpm = 9000\n", encoding="utf-8")
    result = run_cli("--config", str(cfg), "config")
    assert result.returncode == 2
    assert result.stderr.strip() == (
        f"voicecoach: {cfg}:2: voice.rate_wpm: is too large (got 9000); use at most 400")


def test_show_unknown_routine_names_the_choices() -> None:
    result = run_cli("show", "no-such-routine")
    assert result.returncode == 2
    assert result.stderr.startswith("voicecoach: no-such-routine: no routine with this name or path; ")
