"""The volume kept from the last workout: read at start, written atomically, the setting wins."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from voicecoach.files import paths
from voicecoach.files.kept_volume import keep_volume, kept_volume_file, read_kept_volume


def test_a_kept_volume_is_the_next_starting_level(tmp_path: Path) -> None:
    path = tmp_path / "volume.json"
    assert read_kept_volume(0.9, path) == 0.9  # nothing kept yet
    assert keep_volume(0.5, 0.9, path) == path
    assert read_kept_volume(0.9, path) == 0.5
    assert [p.name for p in tmp_path.iterdir()] == ["volume.json"]  # no temporary file left


def test_a_changed_setting_wins_over_the_kept_level(tmp_path: Path) -> None:
    path = keep_volume(0.5, 0.9, tmp_path / "volume.json")
    assert read_kept_volume(0.7, path) == 0.7


@pytest.mark.parametrize("text", ["", "{", "[]", '{"volume": "loud", "settings_volume": 0.9}',
                                  '{"volume": 3, "settings_volume": 0.9}', '{"volume": 0.5}'])
def test_a_damaged_file_falls_back_to_the_setting(tmp_path: Path, text: str) -> None:
    path = tmp_path / "volume.json"
    path.write_text(text, encoding="utf-8")
    assert read_kept_volume(0.9, path) == 0.9


def test_it_lives_in_the_data_folder_and_overwrites_the_old_level() -> None:
    path = kept_volume_file()
    assert path.parent == paths.user_data_dir()
    keep_volume(0.25, 0.9)
    keep_volume(0.35, 0.9)
    assert json.loads(path.read_text(encoding="utf-8")) == {"volume": 0.35, "settings_volume": 0.9}
    path.unlink()


def test_an_unwritable_folder_raises_oserror(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("", encoding="utf-8")
    with pytest.raises(OSError):
        keep_volume(0.5, 0.9, blocker / "volume.json")
