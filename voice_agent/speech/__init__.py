"""Speech: the :class:`Speaker` protocol, the base and cloned voices, and :func:`select`.

The pipeline calls :func:`make_base_speaker` and :func:`make_cloned_speaker` once, then
``load()`` (all I/O; enrolment on a cache miss) and ``stream()``/``speak()`` per reply.
"""

from __future__ import annotations

from pathlib import Path

from voice_agent.core.config import SpeechConfig
from voice_agent.core.errors import unknown_choice
from voice_agent.speech.protocol import EnrolledSpeaker, PhraseCachingSpeaker, Speaker
from voice_agent.speech.streaming import SentenceSpeaker

#: The bundled reference speaker (LibriVox, public domain; see assets/speakers/README.md).
SPEAKERS_DIR = Path(__file__).resolve().parents[2] / "assets" / "speakers"
DEFAULT_SPEAKER_WAV = SPEAKERS_DIR / "librivox_austen_enrol.wav"
HELDOUT_SPEAKER_WAV = SPEAKERS_DIR / "librivox_austen_heldout.wav"

#: The names ``[speech] cloned_backend`` and ``--voice-backend`` accept.
CLONE_BACKENDS = ("kokoro-clone", "xtts")


def _factory(name: str, language: str):
    """A zero-argument builder of one unloaded base speaker."""
    if name == "piper":
        from voice_agent.speech.piper import PiperSpeaker

        return PiperSpeaker
    if name == "kokoro":
        from voice_agent.speech.kokoro import DEFAULT_VOICES, KokoroSpeaker

        return lambda: KokoroSpeaker({language: DEFAULT_VOICES[language]})
    if name == "espeak":
        from voice_agent.speech.espeak import EspeakSpeaker

        return EspeakSpeaker
    raise unknown_choice("base voice backend", name, BASE_BACKENDS)


#: Per-language backend order for each ``base_backend`` setting (espeak-ng always last).
BASE_CHOICES = {
    "auto": {"en": ("piper", "kokoro"), "es": ("kokoro",)},
    "piper": {"en": ("piper",), "es": ("kokoro",)},  # Piper's voice here is English only
    "kokoro": {"en": ("kokoro",), "es": ("kokoro",)},
    "espeak": {"en": (), "es": ()},
}
#: The names ``[speech] base_backend`` and ``--base-voice`` accept.
BASE_BACKENDS = tuple(BASE_CHOICES)


def make_base_speaker(backend: str = "auto",
                      language_voices: dict[str, tuple[str, ...]] | None = None) -> SentenceSpeaker:
    """The base voice: per language, the first backend that loads, then espeak-ng.

    ``backend`` "auto" (default): English -> Piper en_US-joe-medium, then Kokoro
    am_michael; Spanish -> Kokoro em_alex. "kokoro", "piper" or "espeak" prefer that one.
    ``language_voices`` overrides the order, e.g. ``{"en": ("kokoro", "piper")}``.
    """
    from voice_agent.speech.espeak import EspeakSpeaker
    from voice_agent.speech.routing import LanguageRouter

    if language_voices is None and backend not in BASE_CHOICES:
        raise unknown_choice("base voice backend", backend, BASE_BACKENDS)
    choices = language_voices or BASE_CHOICES[backend]
    factories = {lang: [_factory(n, lang) for n in names if n != "espeak"]
                 for lang, names in choices.items()}
    return LanguageRouter(factories, last_resort=EspeakSpeaker)


def make_cloned_speaker(speaker_wav: str | Path | None = None, backend: str = "kokoro-clone",
                        xtts_dir: str | Path | None = None, budget=None,
                        show_progress: bool = True,
                        xtts_max_sentence_s: float | None = None,
                        on_step=None) -> SentenceSpeaker:
    """The cloned voice for ``speaker_wav`` (default: the bundled LibriVox reader).

    ``backend`` "kokoro-clone" (default) enrols a Kokoro style + WORLD conversion, cached by
    the recording's sha256; "xtts" uses Coqui XTTS v2 from the checkpoint folder
    ``xtts_dir`` (``xtts_max_sentence_s`` caps one sentence's audio). Nothing is read
    until ``load()``. ``on_step`` receives each enrolment step
    (:class:`~voice_agent.speech.cloning.EnrolmentStep`) of a kokoro-clone cache miss.
    """
    speaker_wav = Path(speaker_wav) if speaker_wav else DEFAULT_SPEAKER_WAV
    if backend == "xtts":
        from voice_agent.speech.xtts import XttsSpeaker

        return XttsSpeaker(xtts_dir, speaker_wav, max_sentence_s=xtts_max_sentence_s)
    if backend != "kokoro-clone":
        raise unknown_choice("cloned voice backend", backend, CLONE_BACKENDS)
    from voice_agent.speech.cloning import DEFAULT_BUDGET, ClonedSpeaker

    return ClonedSpeaker(speaker_wav, budget or DEFAULT_BUDGET, show_progress=show_progress,
                         on_step=on_step)


def select(config: SpeechConfig) -> dict[str, Speaker]:
    """{"cloned": Speaker, "base": Speaker} (unloaded), or {} when speech is switched off.

    Both names are checked first, so a bad one is a ConfigError even with speech off.
    """
    if config.base_backend not in BASE_CHOICES:
        raise unknown_choice("base voice backend", config.base_backend, BASE_BACKENDS)
    if config.cloned_backend not in CLONE_BACKENDS:
        raise unknown_choice("cloned voice backend", config.cloned_backend, CLONE_BACKENDS)
    if not config.enabled:
        return {}
    speakers: dict[str, Speaker] = {
        "cloned": make_cloned_speaker(config.speaker_wav, backend=config.cloned_backend,
                                      xtts_dir=config.xtts_dir,
                                      xtts_max_sentence_s=config.xtts_max_sentence_s),
        "base": make_base_speaker(backend=config.base_backend),
    }
    for speaker in speakers.values():
        if isinstance(speaker, PhraseCachingSpeaker):
            speaker.phrase_cache = config.phrase_cache
            speaker.phrase_store = config.phrase_cache
    return speakers


__all__ = ["BASE_BACKENDS", "CLONE_BACKENDS", "EnrolledSpeaker", "PhraseCachingSpeaker",
           "Speaker", "make_base_speaker", "make_cloned_speaker", "select"]
