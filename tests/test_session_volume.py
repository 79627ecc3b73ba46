"""The volume grid "louder" and "quieter" move on: whole steps below full scale, clamped."""

from __future__ import annotations

import pytest

from voicecoach.session.volume import QUIETEST_DB, Volume, level_db


def db_after(level: float, steps: int, step_db: float = 3.0) -> float:
    return round(level_db(Volume(level, step_db).stepped(steps).level), 6)


@pytest.mark.parametrize(("level", "steps", "expected_db"), [
    (1.0, -1, -3.0),  # from full scale, one step down
    (10 ** (-6 / 20), +1, -3.0),  # on the grid, one step either way
    (10 ** (-6 / 20), -1, -9.0),
    (10 ** (-6 / 20), -2, -12.0),
    (0.9, -1, -3.0),  # [voice] volume = 0.9 (-0.9 dB) lands on the grid
    (0.9, +1, 0.0),
    (0.5, +1, -3.0),  # 0.5 is -6.02 dB: one step, not 0.02 dB, up
    (0.69, -1, -6.0),  # -3.2 dB: half a step at least, so -6 and not -3
    (0.0, +1, QUIETEST_DB),  # from silence, the quietest step
    (0.01, +1, QUIETEST_DB),  # from below the grid too
])
def test_steps_land_on_the_grid(level: float, steps: int, expected_db: float) -> None:
    assert db_after(level, steps) == expected_db


@pytest.mark.parametrize(("level", "steps"), [
    (1.0, +1),  # as loud as it goes
    (10 ** (QUIETEST_DB / 20), -1),  # as quiet as it goes by voice
    (0.01, -1),  # set quieter than that in the settings: "quieter" never makes it louder
    (0.0, -1),
])
def test_at_an_end_the_volume_stays(level: float, steps: int) -> None:
    volume = Volume(level)
    assert volume.stepped(steps) is volume


def test_the_step_size_is_a_setting() -> None:
    assert db_after(1.0, -1, step_db=4.0) == -4.0
    assert db_after(1.0, -20, step_db=4.0) == -28.0  # the last whole step above QUIETEST_DB


def test_ten_quieter_then_ten_louder_come_back_to_full_scale() -> None:
    volume = Volume(1.0)
    for steps in [-1] * 10 + [+1] * 10:
        volume = volume.stepped(steps)
    assert volume.level == pytest.approx(1.0)
