"""Model lookup order and downloads, against a real HTTP server on 127.0.0.1 serving a tiny zip."""

from __future__ import annotations

import hashlib
import io
import socket
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.fixtures.http_site import QuietHandler, serve
from voicecoach.cli import main
from voicecoach.ears.recognizers import vosk_model as models
from voicecoach.ears.recognizers.vosk_model import KnownArchive, download_model, find_model, installed_models
from voicecoach.errors import ModelError
from voicecoach.files import paths


def model_zip(top: str = "vosk-model-tiny", files: dict[str, bytes] | None = None) -> bytes:
    """A zip shaped like a Vosk model archive (top folder with am/ and conf/)."""
    files = files if files is not None else {
        f"{top}/am/final.mdl": b"not a real model",
        f"{top}/conf/model.conf": b"--beam=10.0\n",
        f"{top}/README": b"tiny test model\n",
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as out:
        for name, data in files.items():
            out.writestr(name, data)
    return buffer.getvalue()


class _Handler(QuietHandler):
    short_by = 0
    """Declare this many bytes more than are sent (a connection that breaks off)."""

    def do_GET(self) -> None:
        if self.short_by == 0:
            return super().do_GET()
        data = (Path(self.directory) / self.path.lstrip("/")).read_bytes()
        self.send_response(200)
        self.send_header("Content-Length", str(len(data) + self.short_by))
        self.end_headers()
        self.wfile.write(data)
        self.wfile.flush()
        self.close_connection = True
        return None


@pytest.fixture
def site(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """(base URL, folder it serves)."""
    root = tmp_path / "site"
    root.mkdir()
    (root / "vosk-model-tiny.zip").write_bytes(model_zip())
    with serve(root, _Handler) as url:
        yield url, root


def test_download_unpacks_a_model_and_reports_progress(site, tmp_path) -> None:
    base, root = site
    seen: list[tuple[int, int | None]] = []
    path = download_model("vosk-model-tiny", tmp_path / "dest", base,
                          lambda done, total: seen.append((done, total)))
    assert path == tmp_path / "dest" / "vosk-model-tiny"
    assert (path / "am" / "final.mdl").read_bytes() == b"not a real model"
    size = (root / "vosk-model-tiny.zip").stat().st_size
    assert seen[-1] == (size, size)
    assert [p.name for p in (tmp_path / "dest").iterdir()] == ["vosk-model-tiny"]


def test_checksum_mismatch_is_refused_and_leaves_nothing(site, tmp_path, monkeypatch) -> None:
    base, root = site
    size = (root / "vosk-model-tiny.zip").stat().st_size
    monkeypatch.setitem(models.KNOWN_ARCHIVES, "vosk-model-tiny", KnownArchive(size, "0" * 64))
    with pytest.raises(ModelError, match="does not match the published archive"):
        download_model("vosk-model-tiny", tmp_path / "dest", base)
    assert list((tmp_path / "dest").iterdir()) == []


def test_matching_checksum_is_accepted(site, tmp_path, monkeypatch) -> None:
    base, root = site
    data = (root / "vosk-model-tiny.zip").read_bytes()
    monkeypatch.setitem(models.KNOWN_ARCHIVES, "vosk-model-tiny",
                        KnownArchive(len(data), hashlib.sha256(data).hexdigest()))
    assert models.is_vosk_model(download_model("vosk-model-tiny", tmp_path / "dest", base))


def test_size_short_of_content_length_is_refused(site, tmp_path, monkeypatch) -> None:
    base, _ = site
    monkeypatch.setattr(_Handler, "short_by", 100)
    with pytest.raises(ModelError, match=r"incomplete|broke off"):
        download_model("vosk-model-tiny", tmp_path / "dest", base)
    assert list((tmp_path / "dest").iterdir()) == []


def test_refused_connection_fails_fast_in_one_line(tmp_path) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    started = time.monotonic()
    with pytest.raises(ModelError, match=r"cannot reach 127.0.0.1") as caught:
        download_model("vosk-model-tiny", tmp_path / "dest", f"http://127.0.0.1:{port}")
    assert time.monotonic() - started < 2.0
    assert "\n" not in str(caught.value)


def test_unknown_model_is_an_http_error(site, tmp_path) -> None:
    with pytest.raises(ModelError, match="HTTP 404"):
        download_model("vosk-model-nope", tmp_path / "dest", site[0])


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        (model_zip(files={"notes/readme.txt": b"hi"}), "does not contain a Vosk model"),
        (model_zip(files={"../evil/am/x": b"x"}), "unsafe path"),
        (b"this is not a zip", "not a valid zip"),
    ],
    ids=["no-model", "zip-slip", "not-zip"],
)
def test_bad_archives_are_refused(site, tmp_path, payload, message) -> None:
    base, root = site
    (root / "vosk-model-bad.zip").write_bytes(payload)
    with pytest.raises(ModelError, match=message):
        download_model("vosk-model-bad", tmp_path / "dest", base)
    assert not (tmp_path / "evil").exists()


def test_base_url_comes_from_the_environment(monkeypatch) -> None:
    monkeypatch.setenv(models.BASE_URL_ENV, "http://mirror.example/vosk/")
    assert models.model_url("m-1") == "http://mirror.example/vosk/m-1.zip"
    monkeypatch.delenv(models.BASE_URL_ENV)
    assert models.model_url(models.DEFAULT_MODEL) == (
        "https://alphacephei.com/vosk/models/vosk-model-small-en-us-0.15.zip")


# ---- lookup order -------------------------------------------------------------------------


def make_model(folder: Path) -> Path:
    (folder / "conf").mkdir(parents=True)
    return folder


@pytest.fixture
def places(tmp_path, monkeypatch) -> dict[str, Path]:
    """Empty candidates for every rule of the lookup order."""
    spots = {name: tmp_path / name for name in ("cli", "settings", "env", "project")}
    monkeypatch.setattr(paths, "PROJECT_MODELS_DIR", spots["project"])
    monkeypatch.delenv("VOSK_MODEL_PATH", raising=False)
    return spots


def test_lookup_order(places, monkeypatch) -> None:
    assert find_model() is None
    user = make_model(models.user_models_dir() / "vosk-model-user")
    try:
        assert find_model().source == "user data dir"
        make_model(places["project"] / "vosk-model-b")
        make_model(places["project"] / models.DEFAULT_MODEL)
        assert find_model() == models.FoundModel(places["project"] / models.DEFAULT_MODEL,
                                                 "models/ folder")
        monkeypatch.setenv("VOSK_MODEL_PATH", str(make_model(places["env"] / "m")))
        assert find_model().source == "VOSK_MODEL_PATH"
        settings_model = make_model(places["settings"])
        assert find_model(None, str(settings_model)).path == settings_model
        cli_model = make_model(places["cli"])
        assert find_model(cli_model, str(settings_model)).source == "--model"
        assert len(installed_models(str(settings_model))) == 5
    finally:
        import shutil

        shutil.rmtree(user)


def test_an_explicit_path_that_is_not_a_model_is_an_error(places, tmp_path) -> None:
    with pytest.raises(ModelError, match=r"--model .*missing does not exist"):
        find_model(tmp_path / "missing")
    (tmp_path / "empty").mkdir()
    with pytest.raises(ModelError, match=r"settings recognition.model_path .* is not a Vosk model"):
        find_model(None, str(tmp_path / "empty"))


def test_model_cli_download_list_and_path(site, places, capsys) -> None:
    base, _ = site
    assert main(["model", "download", "vosk-model-tiny", "--url", base]) == 0
    where = Path(capsys.readouterr().out.strip())
    try:
        assert where == models.user_models_dir() / "vosk-model-tiny"
        assert main(["model", "list"]) == 0
        assert f"* vosk-model-tiny  {where}  (user data dir)" in capsys.readouterr().out
        assert main(["model", "path"]) == 0
        assert capsys.readouterr().out.strip() == str(where)
    finally:
        import shutil

        shutil.rmtree(where)
    assert main(["model", "path"]) == 1
    assert "no Vosk model found (looked in" in capsys.readouterr().err


# ---- which recognizer a workout gets, and why ------------------------------------------------


def settings_with(**recognition):
    from voicecoach.files import load_settings

    settings = load_settings().settings
    return settings.model_copy(
        update={"recognition": settings.recognition.model_copy(update=recognition)})


def refused_url() -> str:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{probe.getsockname()[1]}"


def test_a_found_model_means_vosk_and_the_note_says_where(places) -> None:
    from tests.fixtures.ears import korean_model_dir
    from voicecoach.ears import choose_recognizer

    recognizer, note = choose_recognizer(settings_with(), model=korean_model_dir())
    assert recognizer.name == "vosk"
    assert note == "recognizer: Vosk, model model (found via --model)"


def test_explicit_vosk_without_a_model_is_an_error_not_a_switch(places) -> None:
    from voicecoach.ears import choose_recognizer
    from voicecoach.files import Backend

    with pytest.raises(ModelError, match="no Vosk model found; run `voicecoach model download`"):
        choose_recognizer(settings_with(backend=Backend.VOSK))


def test_explicit_vosk_with_a_failing_download_is_an_error(places, monkeypatch) -> None:
    from voicecoach.ears import choose_recognizer
    from voicecoach.files import Backend

    monkeypatch.setenv(models.BASE_URL_ENV, refused_url())
    said: list[str] = []
    with pytest.raises(ModelError, match=r"cannot reach 127\.0\.0\.1"):
        choose_recognizer(settings_with(backend=Backend.VOSK), may_download=True,
                          announce=said.append)
    assert said and said[0].startswith(f"No Vosk model found: downloading {models.DEFAULT_MODEL}")


def test_auto_falls_back_to_whisper_fast_when_the_download_fails(places, monkeypatch) -> None:
    pytest.importorskip("faster_whisper", reason="faster-whisper is not installed")
    from voicecoach.ears import choose_recognizer

    monkeypatch.setenv(models.BASE_URL_ENV, refused_url())
    started = time.monotonic()
    recognizer, note = choose_recognizer(settings_with(), may_download=True,
                                         announce=lambda line: None)
    assert time.monotonic() - started < 5.0
    assert recognizer.name == "whisper"
    assert note.startswith("recognizer: Whisper tiny.en (offline), because the "
                           "Vosk model download failed: cannot reach 127.0.0.1")


def test_auto_without_vosk_or_whisper_says_why_it_uses_pocketsphinx(places, monkeypatch) -> None:
    from voicecoach.ears import choose_recognizer
    from voicecoach.ears.recognizers import whisper_model

    monkeypatch.setattr(whisper_model, "is_whisper_installed", lambda: False)
    recognizer, note = choose_recognizer(settings_with())
    assert recognizer.name == "pocketsphinx"
    assert note == ("recognizer: pocketsphinx (offline; the least accurate), because no Vosk "
                    "model was found (`voicecoach model download` gets one)")


def test_open_ears_without_a_microphone_raises_for_the_keyboard_fallback() -> None:
    from voicecoach.audio import list_devices
    from voicecoach.ears import open_ears
    from voicecoach.errors import AudioDeviceError

    if list_devices():
        pytest.skip("this machine has audio devices")
    with pytest.raises(AudioDeviceError, match="no input audio device found on this machine"):
        open_ears(settings_with(), lambda event: None, None)
