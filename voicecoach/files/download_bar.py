"""A progress bar for the downloads into the data folder (speech models, voices), shared by both."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator

DownloadProgress = Callable[[int, "int | None"], None]
"""Called with (bytes so far, total bytes if the server said)."""


@contextlib.contextmanager
def download_bar(description: str) -> Iterator[DownloadProgress]:
    """A rich bar on stderr, shown only once the first bytes arrive: a download that cannot even
    begin stays a single line of error."""
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        DownloadColumn,
        Progress,
        TextColumn,
        TimeRemainingColumn,
        TransferSpeedColumn,
    )

    bar = Progress(TextColumn("{task.description}"), BarColumn(), DownloadColumn(),
                   TransferSpeedColumn(), TimeRemainingColumn(),
                   console=Console(stderr=True), transient=True)
    task = bar.add_task(description, total=None)

    def progress(done: int, total: int | None) -> None:
        if not bar.live.is_started:
            bar.start()
        bar.update(task, completed=done, total=total)

    try:
        yield progress
    finally:
        if bar.live.is_started:
            bar.stop()
