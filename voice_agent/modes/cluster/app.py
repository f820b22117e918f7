"""The Ray Serve application: four stage deployments and the FastAPI ingress.

The ingress is the same app as ``voice-agent serve`` (:func:`voice_agent.modes.api.create_app`)
around the same :class:`~voice_agent.service.AgentService`; only its pipeline's stages
are proxies (:mod:`.proxies`). It runs as one replica on the head node, because the
request folders, the idempotency keys, the sessions and the clip library (SQLite) are
files on that node (docs/scaling.md says what to change for more than one).
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ray import serve
from ray.serve.handle import DeploymentHandle

from voice_agent.core.config import AgentConfig
from voice_agent.modes.api import create_app
from voice_agent.modes.cluster.options import STAGES, ClusterOptions
from voice_agent.modes.cluster.proxies import (JsonResponderProxy, RendererProxy,
                                               ResponderProxy, SpeakerProxy, StageClient,
                                               TranscriberProxy)
from voice_agent.modes.cluster.stages import StageInfo, StageRecipe, StageReplica
from voice_agent.modes.guard import Access
from voice_agent.pipeline.turns import Pipeline
from voice_agent.service import AgentService, Limits

log = logging.getLogger(__name__)

#: Ray puts this resource on the head node only: the ingress and its files stay there.
HEAD_NODE = "node:__internal_head__"
STATUS_CACHE_S = 2.0


@dataclass(frozen=True)
class IngressSettings:
    """What the ingress replica needs to build the service.

    ``config`` None: no clip library and fake speakers' lab (``--fake``); otherwise the
    library (sessions included) and enrolled speakers are built from it, at the ingress.
    ``slots`` is how many requests run through the stages at once.
    """

    shared_dir: Path
    config: AgentConfig | None = None
    limits: Limits = Limits()
    access: Access = Access()
    fake: bool = False
    slots: int = 4
    retry_s: float = 60.0
    app_name: str = "voice_agent"
    speakers_dir: Path | None = None
    voices_by_stage: dict[str, str] = field(default_factory=dict)


def _pipeline(clients: dict[str, StageClient], infos: dict[str, StageInfo],
              settings: IngressSettings) -> Pipeline:
    """A pipeline of proxies (one per slot: each has its own library hook)."""
    asr, said, music, voice = (infos[s] for s in STAGES)
    responder_cls = JsonResponderProxy if said.json_completer else ResponderProxy
    responder = responder_cls(clients["responder"], said.model_ids["responder"])
    renderer = (RendererProxy(clients["music"], music.model_ids["music"])
                if "music" in music.model_ids else None)
    speakers = {name: SpeakerProxy(clients["voice"], name, model)
                for name, model in voice.model_ids.items()}
    unavailable = {**music.unavailable, **voice.unavailable}
    if settings.config is not None and not settings.config.speech.enabled:
        unavailable["tts"] = "speech is switched off (--no-speech)"
    library = None
    if settings.config is not None:
        from voice_agent.pipeline.build import build_library_session

        library = build_library_session(settings.config, responder)
    return Pipeline(TranscriberProxy(clients["asr"], asr.model_ids["asr"]), responder,
                    renderer, speakers,
                    history_turns=settings.config.history_turns if settings.config else 4,
                    unavailable=unavailable, library=library)


def _voice_lab(settings: IngressSettings):
    from voice_agent.service.voices import fake_voice_lab, real_voice_lab

    speakers = Path(settings.speakers_dir or settings.shared_dir / "speakers")
    if settings.config is None:
        return fake_voice_lab(speakers)
    return real_voice_lab(speakers, settings.config.speech.speaker_wav)


class Ingress:
    """The ingress replica: the service on proxies, served by the FastAPI app."""

    async def __init__(self, asr: DeploymentHandle, responder: DeploymentHandle,
                       music: DeploymentHandle, voice: DeploymentHandle,
                       settings: IngressSettings) -> None:
        # async: Serve builds the replica on its event loop, where handles are awaited
        handles = dict(zip(STAGES, (asr, responder, music, voice)))
        self.clients = {stage: StageClient(handles[stage], stage, settings.retry_s)
                        for stage in STAGES}
        infos = {stage: await handles[stage].describe.remote() for stage in STAGES}
        pipelines = [_pipeline(self.clients, infos, settings) for _ in range(settings.slots)]
        self.settings = settings
        self.service = AgentService(pipelines[0], settings.shared_dir / "requests",
                                    _voice_lab(settings), settings.limits, fake=settings.fake,
                                    spare_pipelines=pipelines[1:], engine="ray",
                                    describe_engine=self.deployments)
        self.service.loaded = {}  # the replicas loaded their models when they started
        self._status: tuple[float, dict[str, Any]] = (0.0, {})
        self._status_lock = threading.Lock()

    def deployments(self) -> dict[str, Any]:
        """Each deployment's replicas by state (from Serve's controller, cached 2 s) and
        how many stage calls were sent again after a lost replica."""
        with self._status_lock:
            when, found = self._status
            if time.monotonic() - when > STATUS_CACHE_S:
                found = self._ask_status()
                self._status = (time.monotonic(), found)
        return {"deployments": found,
                "resent_calls": {s: c.retries for s, c in self.clients.items()}}

    def _ask_status(self) -> dict[str, Any]:
        try:
            app = serve.status().applications[self.settings.app_name]
        except Exception as exc:  # the controller is being replaced: say so, keep answering
            log.warning("serve.status() failed: %s", exc)
            return {"unknown": f"{type(exc).__name__}"}
        return {name: {"status": str(getattr(d.status, "value", d.status)),
                       "replicas": {str(getattr(k, "value", k)): v
                                    for k, v in d.replica_states.items()}}
                for name, d in app.deployments.items()}

    def __serve_build_asgi_app__(self):
        return create_app(self.service, access=self.settings.access)


def build_application(options: ClusterOptions, recipe: StageRecipe,
                      settings: IngressSettings):
    """The Serve application: a deployment per stage, bound into the ingress."""
    stages = []
    for stage in STAGES:
        actor = {"num_cpus": options.num_cpus.get(stage, 1.0),
                 "num_gpus": options.num_gpus.get(stage, 0.0)}
        deployment = serve.deployment(StageReplica, name=stage, max_ongoing_requests=1,
                                      autoscaling_config=options.scaling[stage].autoscaling_config(),
                                      ray_actor_options=actor,
                                      health_check_period_s=2, health_check_timeout_s=30,
                                      graceful_shutdown_timeout_s=5)
        stages.append(deployment.bind(stage, recipe))
    ingress = serve.deployment(serve.ingress()(Ingress), name="ingress", num_replicas=1,
                               max_ongoing_requests=256,
                               ray_actor_options={"num_cpus": options.num_cpus.get(
                                   "ingress", 0.5), "resources": {HEAD_NODE: 0.001}})
    return ingress.bind(*stages, settings)


def ingress_slots(options: ClusterOptions) -> int:
    """How many requests the ingress sends through the stages at once: as many as the
    busiest stage has replicas, twice (a turn spends its time in more than one stage)."""
    return max(2, 2 * max(s.max_replicas for s in options.scaling.values()))
