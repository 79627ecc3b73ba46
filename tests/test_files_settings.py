"""Settings: layering order, provenance, and one located message per mistake."""

from __future__ import annotations

from pathlib import Path

import pytest

from voicecoach.commands import Command
from voicecoach.errors import ConfigError
from voicecoach.files import ListeningMode, Verbosity, load_settings, paths


@pytest.fixture
def user_file(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    monkeypatch.setenv("VOICECOACH_CONFIG_DIR", str(tmp_path / "cfg"))
    path = paths.user_config_file()
    path.parent.mkdir(parents=True)
    return path


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def messages(text: str, tmp_path: Path) -> list[str]:
    with pytest.raises(ConfigError) as info:
        load_settings(write(tmp_path / "bad.toml", text))
    return info.value.lines()


def test_defaults_load_and_name_their_file() -> None:
    loaded = load_settings()
    assert loaded.settings.coaching.verbosity is Verbosity.NORMAL
    assert loaded.settings.recognition.listening_mode is ListeningMode.GATED
    assert "pause" in loaded.settings.commands[Command.PAUSE]
    assert loaded.sources["voice.rate_wpm"] == str(paths.DEFAULT_CONFIG_FILE)
    assert loaded.files == (paths.DEFAULT_CONFIG_FILE,)


def test_override_order_is_defaults_then_user_then_config(user_file: Path, tmp_path: Path) -> None:
    write(user_file, "[voice]\nrate_wpm = 150\nvolume = 0.5\n")
    cli_file = write(tmp_path / "cli.toml", "[voice]\nrate_wpm = 190\n")
    loaded = load_settings(cli_file)
    voice = loaded.settings.voice
    assert (voice.rate_wpm, voice.volume, voice.language) == (190, 0.5, "en-us")
    assert loaded.sources["voice.rate_wpm"] == str(cli_file)
    assert loaded.sources["voice.volume"] == str(user_file)
    assert loaded.sources["voice.language"] == str(paths.DEFAULT_CONFIG_FILE)
    assert loaded.files == (paths.DEFAULT_CONFIG_FILE, user_file, cli_file)


def test_user_file_alone_overrides_defaults(user_file: Path) -> None:
    write(user_file, '[coaching]\nverbosity = "chatty"\n')
    assert load_settings().settings.coaching.verbosity is Verbosity.CHATTY


def test_command_list_is_replaced_whole_not_appended(tmp_path: Path) -> None:
    loaded = load_settings(write(tmp_path / "c.toml", '[commands]\npause = ["hold on"]\n'))
    assert loaded.settings.commands[Command.PAUSE] == ("hold on",)
    assert "stop" in loaded.settings.commands[Command.STOP]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('[voice]\nrate_wpm = "fast"\n',
         "bad.toml:2: voice.rate_wpm: should be a valid integer, unable to parse string as an "
         "integer (got 'fast'); write a whole number"),
        ("[voice]\nvolume = 3\n", "bad.toml:2: voice.volume: is too large (got 3); use at most 1.0"),
        ("[voice]\nrat_wpm = 100\n", "bad.toml:2: voice.rat_wpm: unknown key; did you mean `rate_wpm`?"),
        ("[vocie]\n", "bad.toml:1: vocie: unknown key; did you mean `voice`?"),
        ('[coaching]\nverbosity = "loud"\n',
         "bad.toml:2: coaching.verbosity: is not one of the allowed values (got 'loud'); "
         "use one of: 'minimal', 'normal' or 'chatty'"),
        ('[commands]\npause = ["stop"]\n',
         "bad.toml:2: commands.pause: phrase already belongs to `stop` (got 'stop'); "
         "give each phrase to one command only"),
        ("[commands]\nstart = []\n",
         "bad.toml:2: commands.start: must not be empty (got a list); add at least one item"),
        ("[voice\n", "bad.toml:1: invalid TOML: Expected ']' at the end of a table declaration; "
         "check quotes, brackets and `key = value` syntax"),
    ],
)
def test_each_mistake_has_its_message(text: str, expected: str, tmp_path: Path) -> None:
    lines = messages(text, tmp_path)
    assert lines == [str(tmp_path / expected)]


def test_missing_config_file_is_one_line(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as info:
        load_settings(tmp_path / "nope.toml")
    assert info.value.lines() == [f"{tmp_path / 'nope.toml'}: no such settings file; check the path"]


def test_binary_config_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "bin.toml"
    path.write_bytes(b"\x00\x01\x02")
    with pytest.raises(ConfigError, match="binary file"):
        load_settings(path)


def test_the_addressed_mode_and_the_name_load() -> None:
    from voicecoach.files import ListeningMode as Mode

    settings = load_settings().settings.recognition
    assert settings.name == "coach" and settings.addressed_name is None
    addressed = settings.model_copy(update={"listening_mode": Mode.ADDRESSED, "name": "Coach"})
    assert addressed.addressed_name == "coach"


@pytest.mark.parametrize("name", ["hey coach", "coach2", "c-3po"])
def test_a_name_that_is_not_one_word_is_a_located_error(tmp_path: Path, name: str) -> None:
    lines = messages(f'[recognition]\nlistening_mode = "addressed"\nname = "{name}"\n', tmp_path)
    assert lines == [f"{tmp_path / 'bad.toml'}:3: recognition.name: must be one speakable word, "
                     f"letters only (e.g. \"coach\") (got {name!r})"]


def test_a_name_inside_a_command_phrase_is_a_located_error(tmp_path: Path) -> None:
    lines = messages('[recognition]\nlistening_mode = "addressed"\nname = "next"\n', tmp_path)
    assert lines == [f"{tmp_path / 'bad.toml'}:3: recognition.name: the name is a word of the "
                     "command phrase 'next exercise' (`skip`) (got 'next'); choose another "
                     "name, or change that phrase in [commands]"]


def test_a_name_clash_does_not_matter_outside_the_addressed_mode(tmp_path: Path) -> None:
    assert load_settings(write(tmp_path / "ok.toml", '[recognition]\nname = "rest"\n'))
