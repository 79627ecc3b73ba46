"""Progress on the terminal while the cue cache renders: a rich bar, shown once something renders."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from voicecoach.voice import Progress


@contextlib.contextmanager
def progress_bar(description: str = "Rendering cues") -> Iterator[Progress]:
    """A Progress callback that shows a rich bar only once something actually renders."""
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, TextColumn
    from rich.progress import Progress as RichProgress

    bar: RichProgress | None = None
    task = None

    def update(done: int, total: int, text: str) -> None:
        nonlocal bar, task
        if bar is None:
            bar = RichProgress(
                TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                TextColumn("{task.fields[cue]}"), transient=True, console=Console(stderr=True),
            )
            bar.start()
            task = bar.add_task(description, total=total, cue="")
        bar.update(task, completed=done, cue=text[:40])

    try:
        yield update
    finally:
        if bar is not None:
            bar.stop()
