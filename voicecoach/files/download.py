"""The one HTTP downloader behind `model download` and `voice download`: stream, check, rename.

A file is streamed into a hidden `.part` beside its destination, checked against the size and
checksum the caller expects, and only then renamed into place: an interrupted or corrupt download
never leaves a file that looks finished. Every failure is a ModelError of one line that names the
URL and what to do.
"""

from __future__ import annotations

import hashlib
import http.client
import os
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from voicecoach.errors import ModelError
from voicecoach.files.download_bar import DownloadProgress as Progress

CONNECT_TIMEOUT_S = 3.0
"""Short, so a machine without internet fails (or falls back) within seconds."""
READ_TIMEOUT_S = 30.0
"""Per read once connected: a slow mirror is fine, a silent one is not."""
MAX_REDIRECTS = 5
CHUNK_BYTES = 1 << 16

@dataclass(frozen=True)
class Expected:
    """What a file must be, as its publisher lists it (None: not checked)."""

    size_bytes: int | None = None
    digest: str | None = None
    """Hex digest of the whole file in `algorithm`."""
    algorithm: str = "sha256"
    listed_in: str = "the published file"
    """Names the list in the mismatch message, e.g. "the voice list"."""


@dataclass(frozen=True)
class Downloaded:
    """A finished download: where it is, its size, and its digest in the expected algorithm."""

    path: Path
    size_bytes: int
    digest: str


@dataclass(frozen=True)
class Site:
    """Words for the errors: what is being fetched, and the setting that points at another site."""

    what: str
    """E.g. "model", "voice"."""
    override: str
    """E.g. "VOICECOACH_MODEL_URL": named when the URL itself is unusable."""


def download(url: str, out: Path, site: Site, expected: Expected = Expected(),
             progress: Progress | None = None,
             connect_timeout_s: float = CONNECT_TIMEOUT_S) -> Downloaded:
    """Fetch `url` into `out` (following redirects), checked against `expected`.

    `out` appears only when the whole file arrived and matched; ModelError otherwise.
    """
    part = out.with_name(f".{out.name}.part")
    try:
        size, digest = _stream(url, part, site, expected.algorithm, progress, connect_timeout_s)
        if (expected.size_bytes is not None and size != expected.size_bytes) or (
                expected.digest is not None and digest != expected.digest.lower()):
            raise ModelError(
                f"{url} does not match {expected.listed_in} (got {size} bytes, "
                f"{expected.algorithm} {digest[:12]}…; expected "
                f"{_or_any(expected.size_bytes)} bytes, {(expected.digest or 'any')[:12]}…); "
                "try again later or download it by hand")
        os.replace(part, out)
    finally:
        part.unlink(missing_ok=True)
    return Downloaded(out, size, digest)


def read_small(url: str, site: Site) -> bytes:
    """The whole body of a small file (an index, a list), with the same errors as `download`."""
    chunks: list[bytes] = []
    with _opened(url, site, CONNECT_TIMEOUT_S, MAX_REDIRECTS) as (response, final_url):
        _copy(final_url, response, chunks.append, None, None)
    return b"".join(chunks)


def _or_any(value: int | None) -> str:
    return "any" if value is None else str(value)


def _stream(url: str, part: Path, site: Site, algorithm: str, progress: Progress | None,
            connect_timeout_s: float) -> tuple[int, str]:
    """Write the body of `url` to `part`; returns (bytes, hex digest)."""
    digest = hashlib.new(algorithm, usedforsecurity=False)
    with _opened(url, site, connect_timeout_s, MAX_REDIRECTS) as (response, final_url):
        length = response.getheader("Content-Length") or ""
        total = int(length) if length.isdigit() else None
        with part.open("wb") as sink:
            received = _copy(final_url, response, sink.write, digest, progress, total)
    if total is not None and received < total:  # the server hung up early
        raise ModelError(f"download of {url} broke off after {received} of {total} bytes; "
                         "try again")
    return received, digest.hexdigest()


def _copy(url: str, response: http.client.HTTPResponse, write: Callable[[bytes], object],
          digest: hashlib._Hash | None, progress: Progress | None,
          total: int | None = None) -> int:
    """Copy the body chunk by chunk; a connection that breaks is one line, not a traceback."""
    received = 0
    try:
        while chunk := response.read(CHUNK_BYTES):
            write(chunk)
            if digest is not None:
                digest.update(chunk)
            received += len(chunk)
            if progress:
                progress(received, total)
    except (OSError, http.client.HTTPException) as exc:  # IncompleteRead is not an OSError
        raise ModelError(f"download of {url} broke off after {received} bytes: "
                         f"{_reason(exc)}; try again") from exc
    return received


class _opened:
    """A GET of `url` with its redirects followed: yields (response, final URL), closes after."""

    def __init__(self, url: str, site: Site, connect_timeout_s: float, redirects: int) -> None:
        self._url, self._site = url, site
        self._connect_timeout_s, self._redirects = connect_timeout_s, redirects
        self._connection: http.client.HTTPConnection | None = None

    def __enter__(self) -> tuple[http.client.HTTPResponse, str]:
        url = self._url
        for _ in range(self._redirects + 1):
            response = self._get(url)
            location = response.getheader("Location")
            if response.status in (301, 302, 303, 307, 308) and location:
                url = urllib.parse.urljoin(url, location)
                self.__exit__()
                continue
            if response.status != 200:
                raise self._failed(ModelError(
                    f"download of {url} failed: HTTP {response.status} {response.reason}; "
                    "check the name and the site"))
            return response, url
        raise self._failed(ModelError(f"download of {self._url} failed: more than "
                                      f"{self._redirects} redirects"))

    def __exit__(self, *exc: object) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None

    def _failed(self, error: ModelError) -> ModelError:
        self.__exit__()
        return error

    def _get(self, url: str) -> http.client.HTTPResponse:
        parts = urllib.parse.urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ModelError(f"{self._site.what} URL {url!r} is not http(s); "
                             f"check {self._site.override} or --url")
        kind = (http.client.HTTPSConnection if parts.scheme == "https"
                else http.client.HTTPConnection)
        self._connection = kind(parts.hostname, parts.port, timeout=self._connect_timeout_s)
        try:
            self._connection.connect()
            assert self._connection.sock is not None
            self._connection.sock.settimeout(READ_TIMEOUT_S)
            path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
            self._connection.request("GET", path, headers={"User-Agent": "voicecoach"})
            return self._connection.getresponse()
        except (OSError, http.client.HTTPException) as exc:
            raise self._failed(ModelError(
                f"cannot reach {parts.hostname} to download the {self._site.what}: "
                f"{_reason(exc)}")) from exc


def _reason(exc: BaseException) -> str:
    """A short reason: "timed out", "[Errno 111] Connection refused", or the exception's name."""
    if isinstance(exc, TimeoutError):
        return "timed out"
    return str(exc) or type(exc).__name__
