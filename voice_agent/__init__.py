"""voice_agent: a local, offline, voice-driven music agent."""

__version__ = "0.1.0"
