"""Configuration: frozen dataclasses with defaults, loadable from TOML, overridable by flags.

A TOML file mirrors the dataclasses::

    [asr]
    backend = "faster-whisper"
    languages = ["en", "es"]

    [llm]
    threads = 2

Unknown sections or keys are rejected with a message naming them, so a typo does not
silently fall back to a default.
"""

from __future__ import annotations

import dataclasses
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from voice_agent.core.errors import ConfigError

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib


@dataclass(frozen=True)
class AsrConfig:
    """Speech recognition. ``model_path`` None means the embedded Whisper base weights."""

    backend: str = "faster-whisper"
    model_path: str | None = None
    device: str = "auto"
    compute_type: str = "auto"
    # Beam 5, not greedy: greedy tied on the 16 dev requests (mean WER 0.145 vs 0.151) but
    # lost on the 24 held-out ones (0.158 vs 0.120) and saved only ~0.15 s per request once
    # the encoder pass is shared.
    beam_size: int = 5
    languages: tuple[str, ...] = ("en", "es")
    bias_music_vocabulary: bool = True
    threads: int = 2
    # The most seconds one request's recognition may take: retries (a second language,
    # temperature fallback) run only while this much time remains (asr/budget.py).
    max_seconds: float = 2.5
    # Recognise while the person speaks (asr/streaming.py): talk's microphone and
    # voice-agent bench. The steps encode a short window (0.2-0.4 s each on two cores),
    # the final words are still decoded from the whole request, and what the steps heard
    # lets "Sure!" be said at the end of speech (docs/speed.md). The web recorder has its
    # own switch (voice-agent web --stream).
    streaming: bool = True


@dataclass(frozen=True)
class LlmConfig:
    """The responder. ``model_path`` None means the embedded Qwen2.5 0.5B GGUF."""

    backend: str = "llama-cpp"
    model_path: str | None = None
    context_tokens: int = 2048
    threads: int = 2
    temperature: float = 0.2
    max_tokens: int = 200
    seed: int = 7
    ollama_url: str = "http://127.0.0.1:11434"
    ollama_model: str = "qwen2.5:0.5b-instruct"
    #: evaluate the prompt up to the words committed while the person speaks (streaming
    #: recognition only). Off: measured idle on two cores it cost time (docs/speed.md):
    #: the final words differ from the steps' ("Play" / "play"), so the evaluated prompt
    #: is mostly thrown away, and it competes with recognition at the end of speech
    prefill_while_speaking: bool = False


@dataclass(frozen=True)
class MusicConfig:
    """The music renderer. ``backend`` "none" skips the stage."""

    backend: str = "composer"
    model_path: str | None = None
    soundfont: str | None = None
    default_duration_s: float = 15.0
    #: a hummed, whistled or played tune (audio file) the music follows (--melody)
    melody: str | None = None
    #: a local CLAP folder (--clap-model): clips get a ``clap_score`` against their prompt
    clap_model: str | None = None
    #: render this many candidates (seeds seed..seed+N-1) and keep the best-scoring (--best-of)
    best_of: int = 1
    #: score every clip even with best_of 1 and no CLAP (audio-feature adherence, ~1 s a clip)
    score: bool = False
    #: a LoRA adapter folder (voice-agent train-lora) merged into MusicGen's decoder (--lora)
    lora: str | None = None


@dataclass(frozen=True)
class SpeechConfig:
    """Spoken replies: a cloned voice from ``speaker_wav`` and a base voice."""

    enabled: bool = True
    speaker_wav: str | None = None
    cloned_backend: str = "kokoro-clone"
    base_backend: str = "auto"
    xtts_dir: str | None = None
    #: cap on one XTTS sentence's audio in seconds (None: bounded by the sentence's length)
    xtts_max_sentence_s: float | None = None
    #: keep short stock phrases ("Sure!") once synthesised; off to measure cold synthesis
    phrase_cache: bool = True


@dataclass(frozen=True)
class LibraryConfig:
    """The clip library: every rendered clip stored; playlists by voice; lyrics.

    ``path`` "" means ``$VOICE_AGENT_HOME/library``. ``speak_lyrics`` mixes the cloned
    voice reading a song's lyrics over its music (stored with the clip).
    """

    enabled: bool = True
    path: str = ""
    speak_lyrics: bool = False
    duck_db: float = -9.0


@dataclass(frozen=True)
class AgentConfig:
    """Everything the agent needs to build its pipeline."""

    asr: AsrConfig = field(default_factory=AsrConfig)
    llm: LlmConfig = field(default_factory=LlmConfig)
    music: MusicConfig = field(default_factory=MusicConfig)
    speech: SpeechConfig = field(default_factory=SpeechConfig)
    library: LibraryConfig = field(default_factory=LibraryConfig)
    history_turns: int = 4


_SECTIONS = {"asr": AsrConfig, "llm": LlmConfig, "music": MusicConfig, "speech": SpeechConfig,
             "library": LibraryConfig}


def _coerce(cls: type, values: dict[str, Any], where: str) -> Any:
    known = {f.name: f for f in dataclasses.fields(cls)}
    unknown = sorted(set(values) - set(known))
    if unknown:
        raise ConfigError(f"Unknown setting(s) in [{where}]: {', '.join(unknown)}. "
                          f"Known: {', '.join(sorted(known))}.")
    fixed = {k: tuple(v) if isinstance(v, list) else v for k, v in values.items()}
    return cls(**fixed)


def from_dict(data: dict[str, Any]) -> AgentConfig:
    """Build a config from nested dicts (as parsed from TOML)."""
    top = {k: v for k, v in data.items() if k not in _SECTIONS}
    unknown = sorted(set(top) - {"history_turns"})
    if unknown:
        raise ConfigError(f"Unknown top-level setting(s): {', '.join(unknown)}.")
    sections = {name: _coerce(cls, data.get(name, {}), name) for name, cls in _SECTIONS.items()}
    return AgentConfig(**sections, **top)


def load_config(path: str | Path | None) -> AgentConfig:
    """Load a TOML config file; None gives the defaults."""
    if path is None:
        return AgentConfig()
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"Config file not found: {path}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"Config file {path} is not valid TOML: {exc}") from None
    return from_dict(data)


def override(config: AgentConfig, **dotted: Any) -> AgentConfig:
    """Return ``config`` with ``section__key=value`` overrides applied (None values ignored)."""
    for key, value in dotted.items():
        if value is None:
            continue
        section, _, name = key.partition("__")
        if not name:
            config = dataclasses.replace(config, **{section: value})
            continue
        current = getattr(config, section)
        try:
            updated = dataclasses.replace(current, **{name: value})
        except TypeError:
            raise ConfigError(f"Unknown setting {section}.{name}") from None
        config = dataclasses.replace(config, **{section: updated})
    return config
