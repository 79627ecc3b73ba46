"""`voicecoach run` in addressed mode for real on virtual audio: a synthesized user's bare "pause"
is refused (the timeline says why), "coach, pause" is obeyed, and a bare "stop" ends the workout."""

from __future__ import annotations

import time

import pytest

from tests.fixtures.e2e import HEARD_WITHIN_S, workout
from tests.fixtures.pulse import pulse_fixture
from voicecoach.files import paths

pytestmark = [pytest.mark.audio, pytest.mark.slow]

pulse = pulse_fixture()


def test_addressed_mode_refuses_pause_obeys_coach_pause_and_a_bare_stop(
        pulse, tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VOICECOACH_CONFIG_DIR", str(tmp_path / "config"))  # the user's file
    config = paths.user_config_file()
    config.parent.mkdir(parents=True)
    config.write_text('[recognition]\nlistening_mode = "addressed"\nname = "coach"\n')
    with workout(pulse, tmp_path, reps=6) as run:
        start = run.command("coach, start", "start", when=run.quiet)
        assert start.state == "count_in"

        # No need to wait for the coach to fall quiet: addressed commands barge in (the echo
        # canceller runs), and a bare "pause" is refused for want of the name either way.
        def working() -> bool:
            return run.timeline.records[-1].state == "working"

        run.wait_for(working, 20.0, "the set to say 'pause' in")
        before = len(run.timeline.records)
        run.say("pause")
        time.sleep(HEARD_WITHIN_S)
        run.timeline.poll()
        after = run.timeline.records[before:]
        assert [r for r in after if r.event == "command"] == [], "a bare pause was obeyed"
        assert [r.detail for r in after if r.event == "heard"] == [
            'not addressed: say "coach, pause"'], run.report()

        pause = run.command("coach, pause", "pause", when=working)
        assert pause.state == "paused"
        stop = run.command("stop", "stop")  # heard over "Paused.", as always
        assert stop.state == "stopped"
        assert run.wait_exit() == 0
    assert run.history_rows("SELECT status FROM sessions") == [("stopped",)]
