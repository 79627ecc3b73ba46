"""`voicecoach bench` loads the benchmark script from the source tree and runs it."""

from __future__ import annotations

import pytest

from voicecoach.cli import main


def test_bench_forwards_its_options_to_the_benchmark(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["bench", "--", "--help"])
    assert exit_info.value.code == 0
    out = capsys.readouterr().out
    assert "usage: voice_control.py" in out and "--quick" in out and "--tune" in out
