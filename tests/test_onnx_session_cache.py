"""ONNX sessions from a cached optimised graph: written once, reused, rebuilt when stale."""

from __future__ import annotations

import shutil

import numpy as np
import pytest

ort = pytest.importorskip("onnxruntime")

from voice_agent.speech import onnx_session  # noqa: E402


@pytest.fixture
def model(tmp_path, monkeypatch):
    """onnxruntime's own tiny sample model (y = x * [1, 2, 3, 4, 5, 6]), copied."""
    from onnxruntime.datasets import get_example

    monkeypatch.setenv("VOICE_AGENT_HOME", str(tmp_path / "home"))
    path = tmp_path / "mul_1.onnx"
    shutil.copy(get_example("mul_1.onnx"), path)
    return path


def run(session):
    x = np.arange(1, 7, dtype=np.float32).reshape(3, 2)
    return session.run(None, {session.get_inputs()[0].name: x})[0]


def test_the_first_session_writes_the_optimised_graph_and_the_next_opens_it(model, monkeypatch):
    first = onnx_session.cached_session(model)
    cached = onnx_session.optimised_path(model, ort.__version__)
    assert cached.is_file() and not list(cached.parent.glob("*.part.onnx"))
    opened: list[str] = []
    real = ort.InferenceSession
    monkeypatch.setattr(ort, "InferenceSession",
                        lambda path, options, providers: opened.append(path) or
                        real(path, options, providers=providers))
    second = onnx_session.cached_session(model)
    assert opened == [str(cached)]
    assert np.array_equal(run(first), run(second))


def test_a_damaged_cached_graph_is_rebuilt(model):
    onnx_session.cached_session(model)
    cached = onnx_session.optimised_path(model, ort.__version__)
    cached.write_bytes(b"not an onnx model")
    session = onnx_session.cached_session(model)
    assert run(session).shape == (3, 2) and cached.stat().st_size > 100


def test_another_cpu_or_runtime_gets_another_file(model):
    here = onnx_session.optimised_path(model, "1.31.1", "avx2 avx512f fma")
    assert here != onnx_session.optimised_path(model, "1.31.1", "avx2 fma")
    assert here != onnx_session.optimised_path(model, "1.32.0", "avx2 avx512f fma")
