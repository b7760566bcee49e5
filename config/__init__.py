"""The files onewindow ships: example hall and role files, and the voice clips (package onewindow.config)."""

from pathlib import Path

# The package's own folder: config/ in a checkout, site-packages/onewindow/config/ in an installed wheel.
FOLDER = Path(__file__).resolve().parent
EXAMPLES = FOLDER / "examples"
VOICE = FOLDER / "voice"
# Role files name shipped files as "config/voice/zh-Hans", relative to the folder that holds config/.
ROOT = FOLDER.parent
