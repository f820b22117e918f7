"""The music stage's parts: plan checking, styles, arrangement, MIDI, synthesis,
mastering, analysis of rendered audio, and plan refinement.

The renderers that use them live in :mod:`voice_agent.backends.composer` and
:mod:`voice_agent.backends.musicgen`.
"""
