"""One turn through the stages: the :class:`Pipeline`, its turn record, and how it is built."""

from voice_agent.pipeline.turns import Pipeline

__all__ = ["Pipeline"]
