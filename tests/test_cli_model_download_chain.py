"""The model chain with real parts: `voicecoach model download` of a real Vosk model archive from
a local HTTP server (tests/fixtures/vosk_site.py), then `voicecoach listen` hearing Korean
commands through the real Vosk engine with the model it downloaded (not the installed
package's). A whole Korean workout on the downloaded model: test_cli_run_korean_end_to_end.py.
"""

from __future__ import annotations

import json

import numpy as np

from tests.fixtures.ears import KO_PHRASES, korean_model_dir, korean_settings, speech
from tests.fixtures.vosk_site import NAME, vosk_site_fixture
from voicecoach.audio import write_wav
from voicecoach.cli import main, voice_in
from voicecoach.commands import Command
from voicecoach.ears.recognizers import vosk as vosk_backend
from voicecoach.ears.recognizers import vosk_model
from voicecoach.files import paths
from voicecoach.files.settings import LoadedSettings

vosk_site = vosk_site_fixture()


def test_download_then_listen_hears_korean_commands_with_the_downloaded_model(
        vosk_site, tmp_path, monkeypatch, capsys) -> None:
    monkeypatch.setenv("VOICECOACH_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv(vosk_model.BASE_URL_ENV, vosk_site)  # the documented way to use another site
    monkeypatch.delenv("VOSK_MODEL_PATH", raising=False)
    monkeypatch.setattr(paths, "PROJECT_MODELS_DIR", tmp_path / "no-project-models")
    downloaded = tmp_path / "data" / "models" / NAME

    assert main(["model", "download", NAME]) == 0
    assert capsys.readouterr().out.strip() == str(downloaded)
    assert vosk_model.is_vosk_model(downloaded) and (downloaded / "graph" / "HCLr.fst").is_file()
    assert main(["model", "path"]) == 0
    assert capsys.readouterr().out.strip() == str(downloaded)

    loaded: list[str] = []
    real_load = vosk_backend.load_model
    monkeypatch.setattr(vosk_backend, "load_model", lambda path: loaded.append(path) or
                        real_load(path))
    settings = korean_settings()
    monkeypatch.setattr(voice_in, "load_settings",
                        lambda config=None, language=None: LoadedSettings(settings, {}, ()))
    said = [Command.PAUSE, Command.RESUME, Command.HARDER, Command.STOP]
    wav = tmp_path / "commands.wav"
    write_wav(wav, np.concatenate([speech(KO_PHRASES[c][0]) for c in said]))
    assert main(["listen", "--file", str(wav), "--backend", "vosk"]) == 0
    out, err = capsys.readouterr()
    assert f"recognizer: Vosk, model {NAME} (found via user data dir)" in err
    assert loaded == [str(downloaded)]
    assert korean_model_dir() != downloaded
    heard = [json.loads(line) for line in out.splitlines()]
    assert [(h["command"], h["text"], h["backend"]) for h in heard] == [
        (c.value, KO_PHRASES[c][0], "vosk") for c in said]
