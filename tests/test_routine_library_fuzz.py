"""Random and mutated routine files: the loader answers with a Routine or a RoutineError, never a crash."""

from __future__ import annotations

import copy
import os
from typing import Any

import yaml
from hypothesis import HealthCheck, Phase, example, given, settings
from hypothesis import strategies as st

from voicecoach.errors import RoutineError
from voicecoach.files import paths
from voicecoach.routine import Routine, load_routine_text

SHRINK = bool(os.environ.get("VOICECOACH_FUZZ_SHRINK"))
"""Shrinking a mutated routine takes minutes; CI reports the raw failing example instead. Set
VOICECOACH_FUZZ_SHRINK=1 to get a minimal one while debugging."""

FUZZ = settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
    phases=tuple(Phase) if SHRINK else (Phase.explicit, Phase.reuse, Phase.generate),
)
"""Enough examples to hit every error path in a few seconds; CI time matters more than depth."""

SHIPPED_PATHS = sorted(paths.SHIPPED_ROUTINES_DIR.glob("*.yaml"))
SHIPPED_TEXTS = [p.read_text(encoding="utf-8") for p in SHIPPED_PATHS]
SHIPPED_DATA = [yaml.safe_load(text) for text in SHIPPED_TEXTS]

ROUTINE_KEYS = sorted({
    "name", "description", "count_in_s", "rest_between_exercises_s", "exercises", "id", "sets",
    "rest_between_sets_s", "safety", "cues", "variations", "start_at", "tempo", "start_phase",
    "reps", "hold_s", "sides", "key_cue", "set_start", "halfway", "last_rep", "rest", "form",
    "phases", "form_every_reps", "lift", "lower", "top", "bottom",
})

scalars = st.one_of(
    st.none(), st.booleans(), st.integers(-10**6, 10**6),
    st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=20),
    st.sampled_from(["4-0-2-0", "X-X-X-X", "0-0-0-0", "4-0-2", "lift", "alternating", ""]),
)
keys = st.one_of(st.sampled_from(ROUTINE_KEYS), st.text(min_size=1, max_size=12),
                 st.integers(-3, 30))
values = st.recursive(
    scalars,
    lambda inner: st.one_of(st.lists(inner, max_size=4),
                            st.dictionaries(keys, inner, max_size=5)),
    max_leaves=25,
)


def loads_or_explains(text: str) -> None:
    """The one property: a Routine, or a RoutineError of located single-line problems."""
    try:
        result = load_routine_text(text, "fuzz.yaml")
    except RoutineError as exc:
        lines = exc.lines()
        assert lines
        for line in lines:
            assert line.startswith("fuzz.yaml")
            assert "\n" not in line
    else:
        assert isinstance(result, Routine)


@FUZZ
@given(st.text(max_size=300))
@example("")
@example("name: [")
@example("\x00\x01")
def test_arbitrary_text(text: str) -> None:
    loads_or_explains(text)


@FUZZ
@given(values)
def test_random_yaml_documents(data: Any) -> None:
    loads_or_explains(yaml.safe_dump(data, allow_unicode=True))


@st.composite
def mutated_routine_data(draw: st.DrawFn) -> Any:
    """A shipped routine with a few subtrees replaced, deleted or added."""
    data = copy.deepcopy(draw(st.sampled_from(SHIPPED_DATA)))
    for _ in range(draw(st.integers(1, 3))):
        node, key = data, None
        while isinstance(node, dict | list) and node and draw(st.booleans()):
            key = (draw(st.sampled_from(sorted(node, key=str))) if isinstance(node, dict)
                   else draw(st.integers(0, len(node) - 1)))
            parent, node = node, node[key]
        if key is None:
            continue
        action = draw(st.sampled_from(["replace", "delete", "add"]))
        if action == "replace":
            parent[key] = draw(values)
        elif action == "delete":
            del parent[key]
        elif isinstance(parent, dict):
            parent[draw(keys)] = draw(values)
        else:
            parent.append(draw(values))
    return data


@FUZZ
@given(mutated_routine_data())
def test_structurally_mutated_routines(data: Any) -> None:
    loads_or_explains(yaml.safe_dump(data, allow_unicode=True, sort_keys=False))


@st.composite
def mutated_routine_text(draw: st.DrawFn) -> str:
    """A shipped routine file with a few characters or lines cut, inserted or swapped."""
    text = draw(st.sampled_from(SHIPPED_TEXTS))
    for _ in range(draw(st.integers(1, 4))):
        at = draw(st.integers(0, len(text)))
        action = draw(st.sampled_from(["cut", "insert", "swap-lines", "dedent"]))
        if action == "cut":
            text = text[:at] + text[at + draw(st.integers(1, 40)):]
        elif action == "insert":
            text = text[:at] + draw(st.text(st.sampled_from(":-[]{}&*!|>#'\" \n\tx1.?"),
                                            min_size=1, max_size=8)) + text[at:]
        elif action == "swap-lines":
            lines = text.splitlines(keepends=True)
            i, j = draw(st.integers(0, len(lines) - 1)), draw(st.integers(0, len(lines) - 1))
            lines[i], lines[j] = lines[j], lines[i]
            text = "".join(lines)
        else:
            start = text.rfind("\n", 0, at) + 1
            text = text[:start] + text[start:].lstrip(" ")
    return text


@FUZZ
@given(mutated_routine_text())
def test_textually_mutated_routines(text: str) -> None:
    loads_or_explains(text)


def test_the_property_holds_for_every_shipped_routine() -> None:
    for path, text in zip(SHIPPED_PATHS, SHIPPED_TEXTS, strict=True):
        loads_or_explains(text)  # a translation away from its original is a located error
        assert isinstance(load_routine_text(text, str(path)), Routine)
