"""What ``voice-agent serve --engine ray`` is asked for: parsed and checked before Ray starts.

Nothing here imports Ray, so a bad flag is refused in a moment (exit 2, one line) and
``--engine ray`` without the ``cluster`` extra names the extra to install.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from voice_agent.core.errors import MissingDependencyError, VoiceAgentError

#: The stage deployments, in the order a turn uses them.
STAGES = ("asr", "responder", "music", "voice")
DEFAULT_REPLICAS = {"asr": 1, "responder": 1, "music": 1, "voice": 1}
_COUNT = re.compile(r"^(\d+)(?:-(\d+))?$")


class ClusterFlagError(VoiceAgentError):
    """A ``--replicas`` / ``--num-gpus`` / ``--address`` value that cannot be used."""

    kind = "config"


@dataclass(frozen=True)
class Scaling:
    """A stage's autoscaling bounds: ``min_replicas`` to ``max_replicas`` (equal: fixed)."""

    min_replicas: int = 1
    max_replicas: int = 1

    def autoscaling_config(self) -> dict[str, float | int]:
        """Ray Serve's ``autoscaling_config``: start at the lower bound, add a replica
        when more than one request per replica is in flight (a stage serves one at a time)."""
        return {"min_replicas": self.min_replicas, "max_replicas": self.max_replicas,
                "initial_replicas": self.min_replicas, "target_ongoing_requests": 1,
                "upscale_delay_s": 5.0, "downscale_delay_s": 120.0}


@dataclass(frozen=True)
class ClusterOptions:
    """Everything the Ray engine needs besides the agent's config.

    ``address`` None starts a private Ray on loopback (stopped again on exit); ``"auto"``
    or ``HOST:PORT`` joins a running cluster. ``shared_dir`` is where the ingress writes
    each request's files (the clip library and sessions stay with the ingress).
    ``stage_retry_s`` is how long a stage call keeps retrying while replicas are lost and
    replaced before the request is answered 503.
    """

    address: str | None = None
    scaling: dict[str, Scaling] = field(default_factory=lambda: {
        stage: Scaling(n, n) for stage, n in DEFAULT_REPLICAS.items()})
    num_gpus: dict[str, float] = field(default_factory=dict)
    num_cpus: dict[str, float] = field(default_factory=dict)
    host: str = "127.0.0.1"
    port: int = 8000
    shared_dir: Path = Path("out/server")
    stage_retry_s: float = 60.0
    app_name: str = "voice_agent"
    local_cpus: float = 8  # logical CPUs of the private Ray (a replica asks for 1 each)


def _pairs(text: str, flag: str) -> list[tuple[str, str]]:
    """``"a=1,b=2"`` as ``[("a", "1"), ("b", "2")]``, every name a known stage."""
    pairs = []
    for item in filter(None, (part.strip() for part in (text or "").split(","))):
        name, sep, value = item.partition("=")
        name = name.strip().lower()
        if not sep or not value.strip():
            raise ClusterFlagError(f"{flag}: '{item}' is not STAGE=VALUE (e.g. {flag} "
                                   "asr=2,music=1).")
        if name not in STAGES:
            raise ClusterFlagError(f"{flag}: unknown stage '{name}'; the stages are "
                                   f"{', '.join(STAGES)}.")
        pairs.append((name, value.strip()))
    return pairs


def parse_replicas(text: str | None) -> dict[str, Scaling]:
    """``--replicas asr=2,music=1-3``: N replicas (fixed), or MIN-MAX (autoscaled).

    Stages not named keep one replica.
    """
    scaling = {stage: Scaling(n, n) for stage, n in DEFAULT_REPLICAS.items()}
    for name, value in _pairs(text or "", "--replicas"):
        match = _COUNT.match(value)
        if not match:
            raise ClusterFlagError(f"--replicas: '{name}={value}' needs a whole number of "
                                   "replicas (e.g. 2) or a range (e.g. 1-4).")
        low = int(match.group(1))
        high = int(match.group(2) or low)
        if low < 1 or high < low or high > 64:
            raise ClusterFlagError(f"--replicas: '{name}={value}' must be between 1 and 64, "
                                   "the lower bound first.")
        scaling[name] = Scaling(low, high)
    return scaling


def parse_gpus(text: str | None, flag: str = "--num-gpus") -> dict[str, float]:
    """``--num-gpus music=1,voice=0.5``: the GPUs (or fraction) each replica of a stage needs."""
    gpus = {}
    for name, value in _pairs(text or "", flag):
        try:
            amount = float(value)
        except ValueError:
            raise ClusterFlagError(f"{flag}: '{name}={value}' needs a number (e.g. 1 or "
                                   "0.5).") from None
        if not 0 <= amount <= 16:
            raise ClusterFlagError(f"{flag}: '{name}={value}' must be between 0 and 16.")
        gpus[name] = amount
    return gpus


def check_address(address: str | None) -> str | None:
    """``None``, ``"auto"`` or ``HOST:PORT``; anything else is refused."""
    if address is None or address == "auto":
        return address
    host, sep, port = address.rpartition(":")
    if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise ClusterFlagError(f"--address: '{address}' is not 'auto' or HOST:PORT (e.g. "
                               "10.0.0.5:6379).")
    return address


def require_ray() -> None:
    """Import Ray Serve now, or say which extra installs it (one line)."""
    try:
        import ray  # noqa: F401
        from ray import serve  # noqa: F401
    except ImportError as exc:
        raise MissingDependencyError(exc.name or "ray", "cluster",
                                     "serve --engine ray") from exc
