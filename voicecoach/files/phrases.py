"""Command phrases as settings and language files write them: a list of phrases per command."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, field_validator

from voicecoach.commands import normalize

Phrases = Annotated[tuple[Annotated[str, Field(min_length=1, max_length=60)], ...],
                    Field(min_length=1)]


class CommandSettings(BaseModel):
    """Phrases per command. In settings a command left out keeps its language's phrases; a
    language file (files/language.py) must give every command at least one."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    start: Phrases | None = None
    pause: Phrases | None = None
    resume: Phrases | None = None
    stop: Phrases | None = None
    skip: Phrases | None = None
    repeat: Phrases | None = None
    easier: Phrases | None = None
    harder: Phrases | None = None
    slower: Phrases | None = None
    faster: Phrases | None = None
    how_many_left: Phrases | None = None
    whats_next: Phrases | None = None
    rest: Phrases | None = None
    ready: Phrases | None = None
    safety: Phrases | None = None
    louder: Phrases | None = None
    quieter: Phrases | None = None

    @field_validator("*")
    @classmethod
    def _has_words(cls, phrases: tuple[str, ...] | None) -> tuple[str, ...] | None:
        for phrase in phrases or ():
            if not normalize(phrase):
                raise ValueError(f"phrase {phrase!r} has no words; write the words to say")
        return phrases
