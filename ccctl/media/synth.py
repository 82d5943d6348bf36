"""Sound files made on the box: prompts spoken by espeak-ng and music on hold from sox.

Both are cached by content, so an apply that changes nothing synthesizes nothing.
"""

from __future__ import annotations

import subprocess
import tempfile
from pathlib import Path

from ccctl.media.files import atomic_write, need_tool
from ccctl.media.prompts import MOH_DIR, Prompt

VOICES = {
    "en": "en-us",
    "zh": "cmn",
    "de": "de",
    "fr": "fr",
    "es": "es",
    "it": "it",
    "pt": "pt",
    "ru": "ru",
    "ja": "ja",
}


def synthesize(prompt: Prompt, dest: Path) -> None:
    """Speak PROMPT into DEST as 8 kHz mono 16-bit WAV (what the G.711 calls carry)."""
    espeak, sox = need_tool("espeak-ng"), need_tool("sox")

    def produce(out: Path) -> None:
        raw = out.with_suffix(".raw.wav")
        try:
            subprocess.run(
                [espeak, "-v", VOICES.get(prompt.language, "en"), "-s", "150", "-w", str(raw), prompt.text],
                check=True,
                capture_output=True,
                timeout=60,
            )
            subprocess.run(
                [sox, str(raw), "-r", "8000", "-c", "1", "-b", "16", str(out), "pad", "0.1", "0.2"],
                check=True,
                capture_output=True,
                timeout=60,
            )
        finally:
            raw.unlink(missing_ok=True)

    atomic_write(dest, produce)


def make_music(dest: Path, seconds: int = 30) -> None:
    """A gentle looping chord progression, so a waiting caller never hears silence."""
    sox = need_tool("sox")
    chords = [("C4", "E4", "G4"), ("A3", "C4", "E4"), ("F3", "A3", "C4"), ("G3", "B3", "D4")]
    per = max(1, seconds // len(chords))

    def produce(out: Path) -> None:
        parts = []
        with tempfile.TemporaryDirectory() as d:
            for i, chord in enumerate(chords):
                part = Path(d) / f"{i}.wav"
                synth = ["synth", str(per)] + [x for n in chord for x in ("pluck", n)]
                subprocess.run(
                    [
                        sox,
                        "-n",
                        "-r",
                        "8000",
                        "-c",
                        "1",
                        "-b",
                        "16",
                        str(part),
                        *synth,
                        "fade",
                        "0.05",
                        str(per),
                        "0.3",
                        "vol",
                        "0.5",
                    ],
                    check=True,
                    capture_output=True,
                    timeout=60,
                )
                parts.append(str(part))
            subprocess.run([sox, *parts, str(out)], check=True, capture_output=True, timeout=60)

    atomic_write(dest, produce)


def ensure_media(sounds_dir: Path, prompts: list[Prompt], moh: list[str]) -> list[Path]:
    """Create every missing prompt and music directory under SOUNDS_DIR; return what was made."""
    made = []
    for p in prompts:
        dest = sounds_dir / p.name
        if not dest.is_file():
            synthesize(p, dest)
            made.append(dest)
    for name in moh:
        dest = sounds_dir / MOH_DIR / name / "ccctl-music.wav"
        if not any(dest.parent.glob("*.wav")):
            make_music(dest)
            made.append(dest)
    return made
