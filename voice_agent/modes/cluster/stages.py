"""The stage deployments: each replica builds one stage's backend and loads it once.

The backends are the in-process service's own (:func:`voice_agent.pipeline.build.build_stage`);
a replica only adds the calls a proxy makes. A stage's own errors (no speech, a bad plan)
travel back as the exception itself inside a :class:`StageAnswer`, so the pipeline records
them exactly as it does in process; a replica serves one request at a time
(``max_ongoing_requests=1``), as the models are not safe to call from two threads.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from voice_agent.core.config import AgentConfig
from voice_agent.core.errors import ConfigError, VoiceAgentError
from voice_agent.core.types import Audio

log = logging.getLogger(__name__)

#: The methods a proxy may call on each stage's backend.
METHODS = {"asr": {"transcribe"}, "responder": {"respond", "complete_json"},
           "music": {"render"}, "voice": {"speak"}}
REQUIRED = ("asr", "responder")  # without these no turn can run: a failure is fatal


@dataclass(frozen=True)
class StageRecipe:
    """How a replica builds its stage: from ``config``, or from the fakes for the stages
    named in ``fake`` (tests and ``--fake`` only)."""

    config: AgentConfig | None
    fake: frozenset[str] = frozenset()
    fake_render_delay_s: float = 0.0

    def build(self, stage: str) -> Any:
        """The stage's backend, unloaded (``"voice"``: a dict of voices)."""
        if stage in self.fake or self.config is None:
            return self._fake(stage)
        from voice_agent.pipeline.build import build_stage

        return build_stage(self.config, stage)

    def _fake(self, stage: str) -> Any:
        from voice_agent.fakes import fake_pipeline

        fakes = fake_pipeline(self.fake_render_delay_s)
        return {"asr": fakes.transcriber, "responder": fakes.responder,
                "music": fakes.renderer, "voice": fakes.speakers}[stage]


@dataclass(frozen=True)
class StageInfo:
    """What a stage deployment runs: each model's id, what could not load (and why),
    and whether its responder can answer to a JSON schema (lyrics)."""

    stage: str
    model_ids: dict[str, str] = field(default_factory=dict)
    unavailable: dict[str, str] = field(default_factory=dict)
    json_completer: bool = False


@dataclass(frozen=True)
class StageAnswer:
    """A stage call's result, or the stage's own error (re-raised by the proxy)."""

    value: Any = None
    error: VoiceAgentError | None = None


class StageReplica:
    """One replica of a stage deployment (``serve.deployment`` wraps it in :mod:`.app`)."""

    def __init__(self, stage: str, recipe: StageRecipe) -> None:
        self.stage = stage
        self.unavailable: dict[str, str] = {}
        self.backend: Any = None
        try:
            self.backend = recipe.build(stage)
            self._load()
        except ConfigError:
            raise
        except VoiceAgentError as exc:
            if stage in REQUIRED:
                raise
            log.warning("%s stage unavailable: %s", stage, exc)
            self.unavailable["tts" if stage == "voice" else stage] = str(exc)
            self.backend = None

    def _load(self) -> None:
        if self.stage != "voice":
            self.backend.load()
            return
        for name, speaker in list(self.backend.items()):  # a voice that cannot load is dropped
            try:
                speaker.load()
            except VoiceAgentError as exc:
                log.warning("voice %s unavailable: %s", name, exc)
                self.unavailable[f"tts_{name}"] = str(exc)
                del self.backend[name]

    def describe(self) -> StageInfo:
        """What this replica runs (the ingress builds its proxies from it)."""
        if self.backend is None:
            return StageInfo(self.stage, {}, dict(self.unavailable))
        if self.stage == "voice":
            ids = {name: s.model_id for name, s in self.backend.items()}
        else:
            ids = {self.stage: self.backend.model_id}
        from voice_agent.responder import JsonCompleter

        return StageInfo(self.stage, ids, dict(self.unavailable),
                         isinstance(self.backend, JsonCompleter))

    def call(self, method: str, *args: Any, **kwargs: Any) -> StageAnswer:
        """Run ``method`` of the backend (``speak``: one voice's chunks, as a list)."""
        if method not in METHODS[self.stage] or self.backend is None:
            raise ValueError(f"the {self.stage} stage has no method {method!r} here")
        work: Callable[..., Any] = (self._speak if method == "speak"
                                    else getattr(self.backend, method))
        try:
            return StageAnswer(work(*args, **kwargs))
        except VoiceAgentError as exc:
            return StageAnswer(error=portable(exc))

    def _speak(self, voice: str, text: str, language: str) -> list[Audio]:
        return list(self.backend[voice].stream(text, language))


class RemoteStageError(VoiceAgentError):
    """A stage error whose own class cannot cross processes: its kind and message kept."""

    def __init__(self, message: str, kind: str = "stage_failed") -> None:
        super().__init__(message)
        self.kind = kind


def portable(exc: VoiceAgentError) -> VoiceAgentError:
    """``exc`` itself when it survives pickling, else the same kind and message."""
    import pickle

    try:
        return pickle.loads(pickle.dumps(exc))
    except Exception:
        return RemoteStageError(str(exc), exc.kind)
