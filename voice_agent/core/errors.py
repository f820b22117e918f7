"""Errors a user can act on.

Every error the product raises on purpose derives from :class:`VoiceAgentError` and
carries a message that says what happened and what to do next. The pipeline turns them
into :class:`~voice_agent.core.types.StageError` records; the CLI prints them without a
traceback.
"""

from __future__ import annotations


class VoiceAgentError(Exception):
    """Base class: ``str(err)`` is a complete, actionable message."""

    kind = "error"

    def localized(self, language: str) -> str:
        """The message in ``language`` ("en" or "es") where the error has it, else ``str``."""
        return str(self)


class AudioInputError(VoiceAgentError):
    """The input audio could not be read (missing, empty, corrupt, unsupported)."""

    kind = "bad_audio"


class NoMelodyError(AudioInputError):
    """A melody recording was readable but held no tune.

    ``reason`` says why, for a front end's own words: "silent", "short" (too short to
    hold a tune; ``seconds`` long) or "no_tune" (noise, speech, a single note).
    """

    kind = "no_melody"

    def __init__(self, message: str, reason: str = "no_tune", seconds: float = 0.0) -> None:
        self.reason = reason
        self.seconds = seconds
        super().__init__(message)


class NoSpeechError(VoiceAgentError):
    """The audio was readable but held no speech (silence or noise only)."""

    kind = "no_speech"


class UnclearSpeechError(NoSpeechError):
    """Speech was heard but recognised only with low confidence (a garbled transcript).

    The message is an honest "I didn't catch that" in ``language``, the likelier one,
    rather than a confident answer to words the person never said.
    """

    kind = "unclear"

    def __init__(self, message: str, language: str = "en") -> None:
        self.language = language
        super().__init__(message)


class SpeakerClipError(VoiceAgentError):
    """A speaker recording is unusable for enrolment (too short, silent, clipped)."""

    kind = "bad_speaker_clip"


class MissingDependencyError(VoiceAgentError):
    """An optional package is not installed; the message names the extra to install."""

    kind = "missing_dependency"

    def __init__(self, package: str, extra: str, purpose: str) -> None:
        self.package = package
        self.extra = extra
        super().__init__(
            f"{purpose} needs the Python package '{package}', which is not installed. "
            f"Install it with: pip install 'voice-agent[{extra}]'"
        )


class ModelNotFoundError(VoiceAgentError):
    """Model weights are absent or fail their checksum."""

    kind = "missing_model"


class ResponderError(VoiceAgentError):
    """The language model could not produce a usable answer."""

    kind = "responder"


class ConfigError(VoiceAgentError):
    """A configuration value or file is invalid."""

    kind = "config"


class BadPlanError(VoiceAgentError):
    """A music plan is unusable (nonsense tempo, duration or key) and cannot be clamped."""

    kind = "bad_plan"


def unknown_choice(what: str, name: str, choices) -> ConfigError:
    """The one message for a backend (or other) name that is not among ``choices``."""
    return ConfigError(f"Unknown {what} '{name}'. Choose one of: {', '.join(choices)}.")
