"""Generate (once) and check the shipped voice clips in config/voice/, with espeak-ng and sox.

    python -m onewindow.drivers.voice.make_clips            # regenerate config/voice/zh-Hans and en, then check
    python -m onewindow.drivers.voice.make_clips --check    # only check what is there
    .venv/bin/python drivers/voice/make_clips.py --out /tmp/voice --only qing A chime

Mandarin is spoken by espeak-ng's `cmn-latn-pinyin` voice from pinyin with tone digits: the plain `cmn`
voice reads the tone digits of its own dictionary as English numbers (请 comes out “king three”,
HARDWARE.md §6). Letter names come from the `cmn` voice fed the bare letter, which says them the way
Chinese halls do (A ēi, W dábǔliù) and has no tone digits to get wrong. English uses the `en` voice.
Each clip is trimmed of silence, resampled to 16 kHz mono 16-bit and brought to the same loudness.

No one can listen here, so the check reads instead: for every Mandarin clip, espeak-ng's own dictionary
must give the same pinyin for the characters as the table below (the table cannot drift from the words),
the phonemes spoken from that pinyin must be Mandarin with the right tone contour per syllable, and every
file must be 16 kHz mono 16-bit with a plausible length and loudness.
"""

from __future__ import annotations

import argparse
import math
import re
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

# Absolute imports, so that `python drivers/voice/make_clips.py` works as well as `-m`.
from onewindow.drivers.voice.announcement import LETTERS, clip_names
from onewindow.drivers.voice.clips import SHIPPED
from onewindow.drivers.voice.pcm import Pcm, WavError, dbfs, read_wav, samples16, write_wav

RATE = 16000
SPEED_WPM = 150  # espeak's 175 is brisk for a hall
TARGET_RMS_DBFS = -20.0  # speech loudness, measured over its voiced parts
CHIME_RMS_DBFS = -26.0  # the chime is softer than the voice
PEAK_LIMIT_DBFS = -1.0
MIN_SECONDS, MAX_SECONDS = 0.08, 2.5

# espeak-ng's cmn-latn-pinyin phonemes mark each syllable's pitch contour with digits.
# A fourth tone inside a word may be a half fall (53).
TONE_CONTOURS = {"1": ("55",), "2": ("35",), "3": ("214", "21"), "4": ("51", "53")}


@dataclass(frozen=True)
class MandarinWord:
    name: str
    hanzi: str
    pinyin: str
    tone_change: bool = False  # spoken tone differs from the dictionary's on purpose


@dataclass(frozen=True)
class EnglishWord:
    name: str
    text: str
    phonemes: str  # what espeak-ng -v en -x says for `text`


MANDARIN = (
    MandarinWord("qing", "请", "qing3"),
    MandarinWord("hao", "号", "hao4"),
    MandarinWord("dao", "到", "dao4"),
    MandarinWord("hao_chuangkou", "号窗口", "hao4 chuang1kou3"),  # syllables of one word run together
    MandarinWord("banli", "办理", "ban4li3"),
    MandarinWord("zaici_hujiao", "再次呼叫", "zai4ci4 hu1jiao4"),
    MandarinWord("0", "零", "ling2"),
    MandarinWord("1", "一", "yi1"),
    MandarinWord("2", "二", "er4"),
    MandarinWord("3", "三", "san1"),
    MandarinWord("4", "四", "si4"),
    MandarinWord("5", "五", "wu3"),
    MandarinWord("6", "六", "liu4"),
    MandarinWord("7", "七", "qi1"),
    MandarinWord("8", "八", "ba1"),
    MandarinWord("9", "九", "jiu3"),
    MandarinWord("shi", "十", "shi2"),
    MandarinWord("bai", "百", "bai3"),
    MandarinWord("qian", "千", "qian1"),
    MandarinWord("yi4", "一", "yi4", tone_change=True),  # 一 before 百 and 千: yì bǎi, yì qiān
    MandarinWord("liang", "两", "liang3"),
)

# Numbers and letter names: (clip, text, phonemes).
_EN_WORDS = (
    ("0", "zero", "z'i@roU"),
    ("1", "one", "w'0n"),
    ("2", "two", "t'u:"),
    ("3", "three", "Tr'i:"),
    ("4", "four", "f'o@"),
    ("5", "five", "f'aIv"),
    ("6", "six", "s'Iks"),
    ("7", "seven", "s'Ev@n"),
    ("8", "eight", "'eIt"),
    ("9", "nine", "n'aIn"),
    ("10", "ten", "t'En"),
    ("11", "eleven", "I2l'Ev@n"),
    ("12", "twelve", "tw'Elv"),
    ("13", "thirteen", "T'3:ti:n"),
    ("14", "fourteen", "f'o@ti:n"),
    ("15", "fifteen", "f'Ifti:n"),
    ("16", "sixteen", "s'Iksti:n"),
    ("17", "seventeen", "s'Ev@nt,i:n"),
    ("18", "eighteen", "'eIti:n"),
    ("19", "nineteen", "n'aInti:n"),
    ("20", "twenty", "tw'Enti"),
    ("30", "thirty", "T'3:ti"),
    ("40", "forty", "f'O@ti"),
    ("50", "fifty", "f'Ifti"),
    ("60", "sixty", "s'Iksti"),
    ("70", "seventy", "s'Ev@nti"),
    ("80", "eighty", "'eIti"),
    ("90", "ninety", "n'aInti"),
    ("A", "A", "'eI"),
    ("B", "B", "b'i:"),
    ("C", "C", "s'i:"),
    ("D", "D", "d'i:"),
    ("E", "E", "'i:"),
    ("F", "F", "'Ef"),
    ("G", "G", "dZ'i:"),
    ("H", "H", "'eItS"),
    ("I", "I", "'aI"),
    ("J", "J", "dZ'eI"),
    ("K", "K", "k'eI"),
    ("L", "L", "'El"),
    ("M", "M", "'Em"),
    ("N", "N", "'En"),
    ("O", "O", "'oU"),
    ("P", "P", "p'i:"),
    ("Q", "Q", "kj'u:"),
    ("R", "R", "'A@"),
    ("S", "S", "'Es"),
    ("T", "T", "t'i:"),
    ("U", "U", "j'u:"),
    ("V", "V", "v'i:"),
    ("W", "W", "d'Vb@Lj,u:"),
    ("X", "X", "'Eks"),
    ("Y", "Y", "w'aI"),
    ("Z", "Z", "z'Ed"),
)

ENGLISH = (
    EnglishWord("number", "Number", "n'Vmb3"),
    EnglishWord("please_go_to_window", "please go to window", "pl'i:z g,oU t@ w'IndoU"),
    EnglishWord("calling_again", "Calling again", "k'O:lIN a#g'En"),
    EnglishWord("hundred", "hundred", "h'VndrI2d"),
    EnglishWord("thousand", "thousand", "T'aUz@nd"),
    *(EnglishWord(*word) for word in _EN_WORDS),
)


# --- running the tools ------------------------------------------------------------------------


def espeak(args: list[str]) -> str:
    done = subprocess.run(["espeak-ng", *args], capture_output=True, text=True, timeout=60, check=True)
    return done.stdout + done.stderr


def phonemes(voice: str, text: str) -> str:
    return " ".join(espeak(["-v", voice, "-q", "-x", text]).split())


def dictionary_pinyin(hanzi: str) -> str:
    """The pinyin espeak-ng's Mandarin dictionary gives for characters (its `-X` trace names them)."""
    trace = espeak(["-v", "cmn", "-q", "-X", hanzi])
    return " ".join(re.findall(r"^Replace: \S+\s+(\S+)", trace, flags=re.MULTILINE))


def syllables(pinyin: str) -> list[str]:
    """ "hao4 chuang1kou3" → ["hao4", "chuang1", "kou3"]."""
    return re.findall(r"[a-zü]+[1-5]", pinyin)


def tones_spoken(phoneme_text: str) -> list[str]:
    """The pitch contour of each syllable in cmn-latn-pinyin phonemes, e.g. ["51", "55", "214"]: each
    syllable carries exactly one run of digits."""
    return re.findall(r"\d+", phoneme_text)


def synthesise(voice: str, text: str, out: Path) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        raw, trimmed = Path(tmp) / "raw.wav", Path(tmp) / "trimmed.wav"
        espeak(["-v", voice, "-s", str(SPEED_WPM), "-w", str(raw), text])
        subprocess.run(
            [
                "sox",
                "-D",
                str(raw),
                "-r",
                str(RATE),
                "-c",
                "1",
                "-b",
                "16",
                "-e",
                "signed-integer",
                str(trimmed),
                "silence",
                "1",
                "0.01",
                "-50d",
                "reverse",
                "silence",
                "1",
                "0.01",
                "-50d",
                "reverse",
            ],
            check=True,
            capture_output=True,
            timeout=60,
        )
        write_wav(out, level(faded(read_wav(trimmed)), TARGET_RMS_DBFS))


def faded(pcm: Pcm, fade_in: float = 0.005, fade_out: float = 0.01) -> Pcm:
    """Short fades at the cut points, so that joined clips do not click."""
    n, start, end = len(pcm.samples), round(fade_in * pcm.rate), round(fade_out * pcm.rate)
    out = samples16(pcm.samples)
    for i in range(min(start, n)):
        out[i] = round(out[i] * i / start)
    for i in range(min(end, n)):
        out[n - 1 - i] = round(out[n - 1 - i] * i / end)
    return Pcm(pcm.rate, out)


def voiced_rms(pcm: Pcm) -> float:
    """RMS over the 20 ms frames within 20 dB of the loudest: loudness of the speech, not of its pauses."""
    size = max(1, pcm.rate // 50)
    frames = [pcm.samples[i : i + size] for i in range(0, len(pcm.samples), size)]
    energies = [sum(v * v for v in f) / len(f) for f in frames if len(f)]
    if not energies or max(energies) == 0:
        return 0.0
    loud = [e for e in energies if e >= max(energies) / 100]
    return math.sqrt(sum(loud) / len(loud))


def level(pcm: Pcm, target_dbfs: float) -> Pcm:
    """Scale to a voiced RMS of `target_dbfs`, but never let a peak pass PEAK_LIMIT_DBFS."""
    current = voiced_rms(pcm)
    peak = max((abs(v) for v in pcm.samples), default=0)
    if current == 0 or peak == 0:
        return pcm
    gain = min(10 ** ((target_dbfs - dbfs(current)) / 20), 10 ** ((PEAK_LIMIT_DBFS - dbfs(peak)) / 20))
    return Pcm(pcm.rate, samples16(max(-32768, min(32767, round(v * gain))) for v in pcm.samples))


def chime() -> Pcm:
    """A soft ding-dong: E5 then C5, each a sine with a little second partial and a bell-like decay."""
    length = 1.2
    out = []
    notes = ((0.0, 659.26), (0.36, 523.25))
    for i in range(round(length * RATE)):
        t = i / RATE
        value = 0.0
        for start, freq in notes:
            u = t - start
            if u < 0:
                continue
            attack = min(1.0, u / 0.008)
            value += attack * (
                math.exp(-u / 0.35) * math.sin(2 * math.pi * freq * u)
                + 0.2 * math.exp(-u / 0.2) * math.sin(2 * math.pi * 2 * freq * u)
            )
        fade = min(1.0, (length - t) / 0.15)
        out.append(value * fade)
    top = max(abs(v) for v in out)
    return level(Pcm(RATE, samples16(round(v / top * 16000) for v in out)), CHIME_RMS_DBFS)


# --- generating -------------------------------------------------------------------------------


def generate(out: Path, only: set[str] | None = None) -> list[Path]:
    for tool in ("espeak-ng", "sox"):
        if shutil.which(tool) is None:
            raise SystemExit(f"make_clips: {tool} is not installed (apt-get install espeak-ng sox)")
    written = []
    zh, en = out / "zh-Hans", out / "en"
    zh.mkdir(parents=True, exist_ok=True)
    en.mkdir(parents=True, exist_ok=True)

    def wanted(name: str) -> bool:
        return only is None or name in only

    if wanted("chime"):
        sound = chime()
        for folder in (zh, en):
            write_wav(folder / "chime.wav", sound)
            written.append(folder / "chime.wav")
    for word in MANDARIN:
        if wanted(word.name):
            synthesise("cmn-latn-pinyin", word.pinyin, zh / f"{word.name}.wav")
            written.append(zh / f"{word.name}.wav")
    for letter in LETTERS:
        if wanted(letter):
            synthesise("cmn", letter, zh / f"{letter}.wav")
            written.append(zh / f"{letter}.wav")
    for english in ENGLISH:
        if wanted(english.name):
            synthesise("en", english.text, en / f"{english.name}.wav")
            written.append(en / f"{english.name}.wav")
    return written


# --- checking ---------------------------------------------------------------------------------


def check_words() -> list[str]:
    """What espeak-ng says for each clip's text, against what the hall must hear. Needs espeak-ng."""
    problems = []
    for word in MANDARIN:
        said = dictionary_pinyin(word.hanzi)
        ours = " ".join(syllables(word.pinyin))
        if word.tone_change:
            said, ours = re.sub(r"\d", "", said), re.sub(r"\d", "", ours)
        if said != ours:
            problems.append(
                f"{word.name}: {word.hanzi} is {said!r} in espeak-ng's dictionary, the table says {word.pinyin!r}"
            )
        spoken = phonemes("cmn-latn-pinyin", word.pinyin)
        if "(" in spoken:
            problems.append(f"{word.name}: {word.pinyin!r} switches language: {spoken}")
        tones = [s[-1] for s in syllables(word.pinyin)]
        contours = tones_spoken(spoken)
        if len(contours) != len(tones) or any(c not in TONE_CONTOURS[t] for t, c in zip(tones, contours, strict=False)):
            problems.append(
                f"{word.name}: {word.pinyin!r} is spoken with contours {contours}, expected tones {tones}: {spoken}"
            )
    for letter in LETTERS:
        spoken = phonemes("cmn", letter)
        if "(" in spoken or not spoken:
            problems.append(f"{letter}: the Mandarin letter name switches language: {spoken}")
    for english in ENGLISH:
        spoken = phonemes("en", english.text)
        if spoken != english.phonemes:
            problems.append(f"{english.name}: {english.text!r} is spoken {spoken!r}, expected {english.phonemes!r}")
    return problems


def check_files(out: Path) -> list[str]:
    """Every clip an announcement can name is a 16 kHz mono 16-bit WAV of plausible length and loudness."""
    problems = []
    for locale, folder in (("zh-Hans", out / "zh-Hans"), ("en", out / "en")):
        for name in clip_names(locale):
            path = folder / f"{name}.wav"
            try:
                header = path.read_bytes()[:44]
                clip = read_wav(path)
            except (OSError, WavError) as exc:
                problems.append(f"{path}: {exc}")
                continue
            channels, rate, bits = header[22], int.from_bytes(header[24:28], "little"), header[34]
            if (channels, rate, bits) != (1, RATE, 16):
                problems.append(f"{path}: {channels} channel(s) {rate} Hz {bits}-bit, expected 1, {RATE}, 16")
            if not MIN_SECONDS <= clip.duration <= MAX_SECONDS:
                problems.append(f"{path}: {clip.duration:.2f} s long")
            loud = dbfs(voiced_rms(clip))
            target = CHIME_RMS_DBFS if name == "chime" else TARGET_RMS_DBFS
            peak = dbfs(max(abs(v) for v in clip.samples))
            if peak > PEAK_LIMIT_DBFS + 0.1 or not (target - 6 <= loud <= target + 1):
                problems.append(f"{path}: loudness {loud:.1f} dBFS (target {target}), peak {peak:.1f} dBFS")
    return problems


def report(out: Path) -> str:
    lines = []
    for word in MANDARIN:
        clip = read_wav(out / "zh-Hans" / f"{word.name}.wav")
        lines.append(
            f"zh {word.name:14} {word.hanzi:6} {word.pinyin:20} {clip.duration:5.2f} s "
            f"{dbfs(voiced_rms(clip)):6.1f} dBFS  {phonemes('cmn-latn-pinyin', word.pinyin)}"
        )
    for letter in LETTERS:
        clip = read_wav(out / "zh-Hans" / f"{letter}.wav")
        lines.append(
            f"zh {letter:14} {'':6} {'':20} {clip.duration:5.2f} s "
            f"{dbfs(voiced_rms(clip)):6.1f} dBFS  {phonemes('cmn', letter)}"
        )
    for english in ENGLISH:
        clip = read_wav(out / "en" / f"{english.name}.wav")
        lines.append(
            f"en {english.name:14} {english.text:27} {clip.duration:5.2f} s "
            f"{dbfs(voiced_rms(clip)):6.1f} dBFS  {phonemes('en', english.text)}"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="make_clips", description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--out", type=Path, default=SHIPPED, help="folder holding zh-Hans/ and en/ (default: %(default)s)"
    )
    parser.add_argument("--check", action="store_true", help="check the clips there, generate nothing")
    parser.add_argument("--only", nargs="+", metavar="NAME", help="regenerate only these clips")
    parser.add_argument("--verbose", "-v", action="store_true", help="print each clip's length, loudness and phonemes")
    args = parser.parse_args(argv)
    if not args.check:
        written = generate(args.out, set(args.only) if args.only else None)
        print(f"wrote {len(written)} clips under {args.out}")
    problems = check_words() + check_files(args.out)
    if args.verbose:
        print(report(args.out))
    for problem in problems:
        print(f"problem: {problem}", file=sys.stderr)
    print("all clips check out" if not problems else f"{len(problems)} problem(s)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
