"""`voicecoach voice download` against a local voice site built at test time from the packaged joe
voice (weights linked, never copied or committed): verified installs, and one-line failures that
leave nothing behind."""

from __future__ import annotations

import functools
import hashlib
import http.server
import json
import socket
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from voicecoach.cli import main
from voicecoach.errors import ModelError
from voicecoach.voice.piper_download import BASE_URL_ENV, download_voice
from voicecoach.voice.piper_voices import find_voice, installed_voices

JOE = next(v for v in installed_voices() if v.name == "en_US-joe-medium")
VOICE = "en_US-test-medium"


def md5(path: Path) -> str:
    return hashlib.md5(path.read_bytes(), usedforsecurity=False).hexdigest()


def entry(folder: str, name: str, files: dict[str, Path], *, bad_md5: bool = False) -> dict:
    return {"key": name, "files": {
        f"{folder}/{file_name}": {"size_bytes": path.stat().st_size,
                                  "md5_digest": "0" * 32 if bad_md5 else md5(path)}
        for file_name, path in files.items()}}


class Site:
    """A Piper voice site on 127.0.0.1 that counts the requests it serves."""

    def __init__(self, root: Path) -> None:
        self.paths: list[str] = []
        site = self

        class Handler(http.server.SimpleHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                site.paths.append(self.path)

            def do_GET(self) -> None:
                if not self.path.startswith("/cut/"):
                    return super().do_GET()
                self.send_response(200)  # promises 1000 bytes, sends 10, hangs up
                self.send_header("Content-Length", "1000")
                self.end_headers()
                self.wfile.write(b"0123456789")
                self.wfile.flush()
                self.close_connection = True
                return None

        self.server = http.server.ThreadingHTTPServer(
            ("127.0.0.1", 0), functools.partial(Handler, directory=str(root)))
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    root = tmp_path_factory.mktemp("piper-voices")
    folder = "en/en_US/test/medium"
    (root / folder).mkdir(parents=True)
    files = {f"{VOICE}.onnx": root / folder / f"{VOICE}.onnx",
             f"{VOICE}.onnx.json": root / folder / f"{VOICE}.onnx.json",
             "MODEL_CARD": root / folder / "MODEL_CARD"}
    files[f"{VOICE}.onnx"].symlink_to(JOE.model_path)
    files[f"{VOICE}.onnx.json"].write_bytes(JOE.config_path.read_bytes())
    files["MODEL_CARD"].write_text("# Model card for test (medium): joe's files, served locally\n")
    small = "en/en_US/small/medium"
    (root / small).mkdir(parents=True)
    tiny = {"en_US-small-medium.onnx": root / small / "en_US-small-medium.onnx",
            "en_US-small-medium.onnx.json": root / small / "en_US-small-medium.onnx.json"}
    for path in tiny.values():
        path.write_bytes(b"tiny")
    index = {
        VOICE: entry(folder, VOICE, files),
        "en_US-small-medium": entry(small, "en_US-small-medium", tiny, bad_md5=True),
        "en_US-cut-medium": {"files": {
            "cut/en_US-cut-medium.onnx": {"size_bytes": 1000, "md5_digest": "0" * 32},
            "cut/en_US-cut-medium.onnx.json": {"size_bytes": 1000, "md5_digest": "0" * 32}}},
        "en_US-gone-medium": entry("en/en_US/gone/medium", "en_US-gone-medium",
                                   {"en_US-gone-medium.onnx": tiny["en_US-small-medium.onnx"],
                                    "en_US-gone-medium.onnx.json": tiny["en_US-small-medium.onnx"]}),
    }
    (root / "voices.json").write_text(json.dumps(index))
    served = Site(root)
    yield served
    served.stop()


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A data folder of this test's own (downloaded voices would show in every later test)."""
    monkeypatch.setenv("VOICECOACH_DATA_DIR", str(tmp_path / "data"))
    return tmp_path / "data"


def test_download_verifies_and_installs_the_voice(site, data_dir):
    seen: list[tuple[int, int]] = []
    path = download_voice(VOICE, base=site.url, progress=lambda *p: seen.append(p))
    assert path == data_dir / "voices" / VOICE
    assert sorted(p.name for p in path.iterdir()) == ["MODEL_CARD", f"{VOICE}.onnx",
                                                       f"{VOICE}.onnx.json"]
    assert md5(path / f"{VOICE}.onnx") == md5(JOE.model_path)
    total = JOE.model_path.stat().st_size + JOE.config_path.stat().st_size + len(
        (path / "MODEL_CARD").read_bytes())
    assert seen[-1] == (total, total) and len(seen) > 100
    found = find_voice(VOICE, "en-us")
    assert found is not None and found.source == "downloaded"
    assert [p.name for p in (data_dir / "voices").iterdir()] == [VOICE]  # no scratch left

    requests = len(site.paths)
    assert download_voice(VOICE, base=site.url) == path  # installed: nothing fetched
    assert len(site.paths) == requests


def test_the_command_downloads_then_the_coach_speaks_with_the_new_voice(
        site, data_dir, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv(BASE_URL_ENV, site.url)
    assert main(["voice", "download", VOICE]) == 0
    out, err = capsys.readouterr()
    assert out.strip() == str(data_dir / "voices" / VOICE)
    assert err.strip() == f'voicecoach: use it with [voice] voice = "{VOICE}" in your settings'

    config = tmp_path / "voice.toml"
    config.write_text(f'[voice]\nvoice = "{VOICE}"\n')
    assert main(["--config", str(config), "voices", "piper"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [line.split()[:3] for line in lines] == [
        ["en_US-joe-medium", "piper", "joe"], ["*", VOICE, "piper"]]
    assert main(["--config", str(config), "say", "Lift slowly.", "-o", str(tmp_path / "s.wav")]) == 0
    assert (tmp_path / "s.wav").stat().st_size > 20_000


@pytest.mark.parametrize(("name", "message"), [
    ("lessac", "bad Piper voice name 'lessac'; names look like en_US-lessac-medium"),
    ("en_US-nobody-medium", "no Piper voice named 'en_US-nobody-medium' in {url}/voices.json "
                            "(some of that language: en_US-cut-medium, en_US-gone-medium, "
                            "en_US-small-medium, en_US-test-medium); check the name"),
    ("en_US-small-medium", "{url}/en/en_US/small/medium/en_US-small-medium.onnx does not match "
                           "the voice list (got 4 bytes, md5 "),
    ("en_US-cut-medium", "download of {url}/cut/en_US-cut-medium.onnx broke off after 10 of 1000 "
                        "bytes; try again"),
    ("en_US-gone-medium", "download of {url}/en/en_US/gone/medium/en_US-gone-medium.onnx failed: "
                          "HTTP 404 File not found"),
])
def test_failures_are_one_line_and_leave_nothing(site, data_dir, capsys, name, message):
    assert main(["voice", "download", name, "--url", site.url]) == 1
    out, err = capsys.readouterr()
    assert out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("voicecoach: " + message.format(url=site.url))
    voices = data_dir / "voices"
    assert not voices.exists() or list(voices.iterdir()) == []


def test_no_network_is_one_line(data_dir, capsys):
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    assert main(["voice", "download", VOICE, "--url", f"http://127.0.0.1:{port}"]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert err == ["voicecoach: cannot reach 127.0.0.1 to download the voice: "
                   "[Errno 111] Connection refused"]


def test_a_site_that_is_not_a_voice_site(site, data_dir):
    with pytest.raises(ModelError, match="is not http"):
        download_voice(VOICE, base="ftp://example.org")
    with pytest.raises(ModelError, match=r"voices\.json failed: HTTP 404"):
        download_voice(VOICE, base=site.url + "/en")
