"""Voice announcements: calls turned into clip lists, clips joined into sounds, spoken one at a time.

From a display process::

    from onewindow.drivers.voice import Announcer, pre_init_mixer, read_voice

    settings = read_voice(role_file.table("voice"))      # None when the table has errors
    pre_init_mixer()                                     # before pygame.init()
    announcer = Announcer.from_settings(settings, hall_locale)   # None when disabled
    ...
    announcer.announce("call", "A001", 3, at=called_at_epoch_seconds)   # returns at once
"""

from .announcement import announcement_clips, clip_names, en_number, language, pauses, ticket_clips, zh_number
from .announcer import Announcer, MixerPlayer, Player, pre_init_mixer
from .clips import ClipSet, shipped_folder
from .fake import RecordingPlayer, VirtualClock
from .pcm import Pcm, WavError, read_wav
from .settings import VoiceSettings, read_voice

__all__ = [
    "Announcer",
    "ClipSet",
    "MixerPlayer",
    "Pcm",
    "Player",
    "RecordingPlayer",
    "VirtualClock",
    "VoiceSettings",
    "WavError",
    "announcement_clips",
    "clip_names",
    "en_number",
    "language",
    "pauses",
    "pre_init_mixer",
    "read_voice",
    "read_wav",
    "shipped_folder",
    "ticket_clips",
    "zh_number",
]
