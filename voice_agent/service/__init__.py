"""One agent shared by the web app and the HTTP API, split by concern.

* :mod:`~voice_agent.service.agent` - :class:`AgentService`: the loaded pipeline behind
  one lock with a bounded wait, and :func:`build_service`;
* :mod:`~voice_agent.service.outputs` - one folder per request, audio addressed by id;
* :mod:`~voice_agent.service.voices` - enrolled speakers (:class:`VoiceLab`);
* :mod:`~voice_agent.service.compose` - limits and the typed-prompt request/result;
* :mod:`~voice_agent.service.errors` - the errors, each with its HTTP status.
"""

from voice_agent.service.agent import AgentService, build_service
from voice_agent.service.compose import ComposeOptions, ComposeResult, Limits
from voice_agent.service.errors import (BusyError, ServiceError, StageFailedError,
                                        StageUnavailableError, UnknownIdError)
from voice_agent.service.outputs import AUDIO_NAMES, OutputStore, TurnResult, produced_audio
from voice_agent.service.voices import DEFAULT_SPEAKER, SpeakerInfo, VoiceLab

__all__ = ["AUDIO_NAMES", "AgentService", "BusyError", "ComposeOptions", "ComposeResult",
           "DEFAULT_SPEAKER", "Limits", "OutputStore", "ServiceError", "SpeakerInfo",
           "StageFailedError", "StageUnavailableError", "TurnResult", "UnknownIdError", "VoiceLab",
           "build_service", "produced_audio"]
