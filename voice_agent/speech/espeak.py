"""espeak-ng text-to-speech: the last-resort voice when no neural voice can load.

It needs only the ``espeak-ng`` program (Debian package ``espeak-ng``). Robotic but
always available, so the agent can still answer; callers report it as a fallback.
"""

from __future__ import annotations

import logging
import shutil
import subprocess

from voice_agent.core.audio import decode_audio
from voice_agent.core.errors import ModelNotFoundError, VoiceAgentError
from voice_agent.core.types import Audio
from voice_agent.speech.streaming import SentenceSpeaker

log = logging.getLogger(__name__)

#: espeak-ng voice per reply language.
ESPEAK_VOICES = {"en": "en-us", "es": "es"}


class EspeakSpeaker(SentenceSpeaker):
    """Formant-synthesis speech through the ``espeak-ng`` command-line program."""

    def __init__(self, words_per_minute: int = 165) -> None:
        self.model_id = "espeak-ng"
        self.sample_rate = 22_050
        self.words_per_minute = words_per_minute
        self._program: str | None = None

    def load(self) -> None:
        """Find the ``espeak-ng`` program (idempotent)."""
        if self._program:
            return
        self._program = shutil.which("espeak-ng")
        if self._program is None:
            raise ModelNotFoundError(
                "The fallback voice needs the espeak-ng program. Install it with: "
                "sudo apt-get install espeak-ng"
            )

    def synthesize(self, sentence: str, language: str) -> Audio:
        """Speak one sentence with the espeak-ng voice for ``language``."""
        voice = ESPEAK_VOICES.get(language, language)
        result = subprocess.run(
            [self._program, "-v", voice, "-s", str(self.words_per_minute), "--stdout", sentence],
            capture_output=True, timeout=60, check=False,
        )
        if result.returncode != 0 or not result.stdout:
            message = result.stderr.decode(errors="replace").strip()
            raise VoiceAgentError(f"espeak-ng could not speak '{language}': {message}")
        return decode_audio(result.stdout, name="espeak-ng output")
