"""Start (or join) Ray, deploy the application, and stop everything again on exit."""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass

import ray
from ray import serve

from voice_agent.modes.cluster.app import (IngressSettings, build_application)
from voice_agent.modes.cluster.local import LocalNode, start_node
from voice_agent.modes.cluster.options import ClusterOptions
from voice_agent.modes.cluster.stages import StageRecipe

log = logging.getLogger(__name__)


@dataclass
class RunningService:
    """The deployed application; :meth:`stop` takes it down (and the Ray it started)."""

    url: str
    started_ray: bool
    app_name: str = "voice_agent"
    local: LocalNode | None = None

    def stop(self) -> None:
        """Delete the application (all of Serve when this process started Ray); stop the
        local Ray when this process started it."""
        try:
            if self.started_ray:
                serve.shutdown()
            else:  # a shared cluster: take down only what this process deployed
                serve.delete(self.app_name)
        except Exception as exc:  # the cluster may already be gone
            log.warning("stopping Serve failed: %s", exc)
        if ray.is_initialized():
            ray.shutdown()
        if self.local is not None:  # a Ray this process started stops with it
            self.local.stop()


def start(options: ClusterOptions, recipe: StageRecipe,
          settings: IngressSettings) -> RunningService:
    """Connect to ``options.address`` (None: a private Ray on loopback, for which
    :func:`~voice_agent.modes.cluster.local.private_ray_env` must have run before Ray was
    imported), deploy, and return once every deployment is running."""
    started = options.address is None
    local = None
    if not ray.is_initialized():
        if started:
            local = start_node(num_cpus=options.local_cpus)
            address = local.address
        else:
            address = options.address
        try:
            ray.init(address=address, log_to_driver=bool(os.environ.get("VOICE_AGENT_RAY_LOGS")),
                     configure_logging=False)
        except BaseException:
            if local is not None:
                local.stop()
            raise
    running = RunningService(f"http://{options.host}:{options.port}", started,
                             options.app_name, local)
    try:
        serve.start(proxy_location="HeadOnly",
                    http_options={"host": options.host, "port": options.port})
        serve.run(build_application(options, recipe, settings), name=options.app_name,
                  route_prefix="/")
    except BaseException:
        running.stop()
        raise
    return running
