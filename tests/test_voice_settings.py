"""The `[voice]` table of a display role file, good and bad, with the lines a technician reads."""

from __future__ import annotations

from pathlib import Path

from onewindow import config
from onewindow.configfile import ConfigFile
from onewindow.drivers.voice import Announcer, RecordingPlayer, VoiceSettings, read_voice, shipped_folder


def _read(text: str, folder: Path | None = None) -> tuple[VoiceSettings | None, list[str]]:
    path = (folder or Path("/etc/onewindow")) / "display.toml"
    file = ConfigFile(path, text)
    settings = read_voice(file.table("voice"))
    file.finish(allowed_top_keys=("core", "device", "token"))
    return settings, file.errors


def test_the_spec_example_reads_with_the_shipped_clips() -> None:
    settings, errors = _read('core = "http://10.0.0.2:8080"\n[voice]\nenabled = true\nclips = "config/voice/zh-Hans"\n')
    assert errors == []
    assert settings == VoiceSettings(enabled=True, clips=config.VOICE / "zh-Hans")


def test_every_key(tmp_path: Path) -> None:
    (tmp_path / "recorded").mkdir()
    settings, errors = _read(
        '[voice]\nenabled = true\nclips = "recorded"\nrepeat = 2\nvolume = 0.8\nchime = false\nmax_age_s = 15\n',
        tmp_path,
    )
    assert errors == []
    assert settings == VoiceSettings(
        enabled=True, clips=tmp_path / "recorded", repeat=2, volume=0.8, chime=False, max_age_s=15.0
    )


def test_defaults_and_an_absent_table() -> None:
    assert _read("[voice]\n") == (VoiceSettings(), [])
    assert VoiceSettings() == VoiceSettings(enabled=True, clips=None, repeat=1, volume=1.0, chime=True, max_age_s=10.0)
    # a Pi without a speaker simply has no [voice] table
    assert _read('core = "http://10.0.0.2:8080"\n') == (VoiceSettings(enabled=False), [])


def test_bad_values_name_line_table_key_value_and_what_is_allowed() -> None:
    settings, errors = _read(
        "[voice]\n"  # 1
        'enabled = "yes"\n'  # 2
        "repeat = 4\n"  # 3
        "volume = 1.5\n"  # 4
        "chime = 1\n"  # 5
        "max_age_s = 0\n"  # 6
        "volumn = 0.5\n"
    )  # 7
    assert settings is None
    assert errors == [
        'display.toml:2 [voice]: enabled: "yes" is not true or false',
        "display.toml:3 [voice]: repeat: 4 is too large (allowed: 1 to 3)",
        "display.toml:4 [voice]: volume: 1.5 is too large (allowed: 0.0 to 1.0)",
        "display.toml:5 [voice]: chime: 1 is not true or false",
        "display.toml:6 [voice]: max_age_s: 0 is too small (allowed: 1.0 to 600.0)",
        "display.toml:7 [voice]: volumn: unknown key (allowed here: chime, clips, enabled, max_age_s, repeat, volume)",
    ]


def test_a_clip_folder_that_is_not_there(tmp_path: Path) -> None:
    (tmp_path / "clip.wav").write_bytes(b"")
    settings, errors = _read('[voice]\n\nclips = "config/voice/zh-Hanz"\n', tmp_path)
    assert settings is None
    assert errors == [
        f'display.toml:3 [voice]: clips: folder "config/voice/zh-Hanz" not found (looked for '
        f"{tmp_path}/config/voice/zh-Hanz or {config.ROOT}/config/voice/zh-Hanz; allowed: a folder of .wav "
        f"clips, relative to the role file or to onewindow's shipped files)"
    ]
    settings, errors = _read(f'[voice]\nclips = "{tmp_path}/clip.wav"\n', tmp_path)
    assert errors == [
        f'display.toml:2 [voice]: clips: "{tmp_path}/clip.wav" is not a folder (a folder of .wav '
        f"clips, see config/voice/README.md)"
    ]


def test_a_voice_that_is_not_a_table() -> None:
    settings, errors = _read('voice = "on"\n')
    assert settings == VoiceSettings(enabled=False)
    assert errors == ['display.toml:1: voice: must be a table [voice], not "on"']


def test_settings_become_an_announcer_or_none() -> None:
    assert Announcer.from_settings(VoiceSettings(enabled=False), "zh-Hans") is None
    player = RecordingPlayer()
    announcer = Announcer.from_settings(VoiceSettings(repeat=2, volume=0.5, chime=False), "zh-Hant", player=player)
    assert announcer is not None
    try:
        assert announcer.clips.folder == shipped_folder("zh-Hans") and announcer.clips.fallback_folder is None
        assert (announcer.repeat, announcer.volume, announcer.chime, announcer.max_age_s) == (2, 0.5, False, 10.0)
        assert announcer.announce("call", "A001", 3)
        assert announcer.wait_until_idle(30)
        assert [p.volume for p in player.played] == [0.5, 0.5]
        assert player.played[0].clips[0] == "qing"
    finally:
        announcer.close()
