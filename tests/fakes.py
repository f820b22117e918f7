"""Fakes of every stage protocol, for tests. They live in :mod:`voice_agent.fakes` because
the ``--fake`` mode of the web app and HTTP API needs them too; the real product never
uses them."""

from voice_agent.fakes import (FAKE_TRANSCRIPT, FakeComparer, FakeRenderer, FakeResponder,  # noqa: F401
                               FakeSpeaker, FakeTranscriber, fake_pipeline, one_note_midi, tone)
