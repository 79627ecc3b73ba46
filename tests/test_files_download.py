"""The one downloader against a real HTTP server on 127.0.0.1: redirects, checks, nothing half-done."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.fixtures.http_site import QuietHandler, serve
from voicecoach.errors import ModelError
from voicecoach.files.download import Expected, Site, download, read_small

SITE = Site("thing", "VOICECOACH_THING_URL")
BODY = bytes(range(256)) * 1000


class _Handler(QuietHandler):
    def do_GET(self) -> None:
        if self.path.startswith("/moved/"):  # a mirror that sends you on, like the real sites
            self.send_response(302)
            self.send_header("Location", "/" + self.path.removeprefix("/moved/"))
            self.end_headers()
            return None
        if self.path == "/loop":
            self.send_response(301)
            self.send_header("Location", "/loop")
            self.end_headers()
            return None
        return super().do_GET()


@pytest.fixture
def server(tmp_path: Path) -> Iterator[str]:
    root = tmp_path / "site"
    root.mkdir()
    (root / "body.bin").write_bytes(BODY)
    with serve(root, _Handler) as url:
        yield url


def test_redirects_are_followed_and_the_file_is_checked(server, tmp_path) -> None:
    seen: list[tuple[int, int | None]] = []
    expected = Expected(len(BODY), hashlib.sha256(BODY).hexdigest())
    got = download(f"{server}/moved/body.bin", tmp_path / "out.bin", SITE, expected,
                   lambda done, total: seen.append((done, total)))
    assert got.path.read_bytes() == BODY and got.size_bytes == len(BODY)
    assert seen[-1] == (len(BODY), len(BODY))
    assert [p.name for p in tmp_path.iterdir() if p.name != "site"] == ["out.bin"]


def test_a_mismatch_leaves_neither_the_file_nor_a_part(server, tmp_path) -> None:
    expected = Expected(len(BODY), "0" * 32, "md5", "the thing list")
    with pytest.raises(ModelError, match=r"body\.bin does not match the thing list \(got 256000 "
                                         r"bytes, md5 [0-9a-f]{12}…; expected 256000 bytes"):
        download(f"{server}/body.bin", tmp_path / "out.bin", SITE, expected)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["site"]


def test_a_redirect_loop_and_a_bad_scheme_are_one_line(server, tmp_path) -> None:
    with pytest.raises(ModelError, match="more than 5 redirects"):
        download(f"{server}/loop", tmp_path / "out.bin", SITE)
    with pytest.raises(ModelError, match=r"thing URL 'ftp://x/y' is not http\(s\); check "
                                         "VOICECOACH_THING_URL or --url"):
        read_small("ftp://x/y", SITE)
    assert read_small(f"{server}/moved/body.bin", SITE) == BODY
