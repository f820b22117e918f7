"""The HTTP service on Ray Serve: ``voice-agent serve --engine ray``.

Each stage (``asr``, ``responder``, ``music``, ``voice``) is a Ray Serve deployment that
holds its loaded model (:mod:`.stages`); the ingress is the same FastAPI app as
``voice-agent serve`` (:func:`voice_agent.modes.api.create_app`) around the same
:class:`~voice_agent.service.AgentService`, whose pipeline runs on proxies that implement
the stage protocols by calling the deployments (:mod:`.proxies`). Only the wiring
differs from the in-process service: the turn is :meth:`Pipeline.run` in both.

:mod:`.options` (flag parsing) imports nothing from Ray; every other module here does,
and is imported only once ``--engine ray`` is chosen (see :func:`require_ray`).
"""

from voice_agent.modes.cluster.options import (STAGES, ClusterFlagError, ClusterOptions,
                                               Scaling, parse_gpus, parse_replicas,
                                               require_ray)

__all__ = ["STAGES", "ClusterFlagError", "ClusterOptions", "Scaling", "parse_gpus",
           "parse_replicas", "require_ray"]
