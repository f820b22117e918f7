"""`voice-agent bench --isa avx2`: the switches set, the re-run, and an honest report."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from voice_agent.modes.bench import isa
from voice_agent.modes.bench.report import _isa_lines


def test_native_changes_nothing_and_does_not_rerun(monkeypatch):
    monkeypatch.delenv(isa.MARKER, raising=False)
    assert isa.isa_env("native") == {} and isa.reexec_argv("native") is None
    assert isa.isa_report("native")["preset"] == "native"


def test_avx2_sets_each_runtime_switch_and_reruns_once(monkeypatch):
    env = isa.isa_env("avx2")
    assert env["CT2_FORCE_CPU_ISA"] == "AVX2" and env["ONEDNN_MAX_CPU_ISA"] == "AVX2"
    assert env["ATEN_CPU_CAPABILITY"] == "avx2"
    assert all("AVX512" in t or t == "X86_V4" for t in env["NPY_DISABLE_CPU_FEATURES"].split())
    monkeypatch.delenv(isa.MARKER, raising=False)
    monkeypatch.setattr(sys, "argv", ["voice-agent", "bench", "--isa", "avx2", "--limit", "2"])
    argv, child_env = isa.reexec_argv("avx2")
    assert argv[1:] == ["-m", "voice_agent.cli", "bench", "--isa", "avx2", "--limit", "2"]
    assert child_env[isa.MARKER] == "avx2"
    monkeypatch.setenv(isa.MARKER, "avx2")
    assert isa.reexec_argv("avx2") is None  # the re-run process does not re-run again


def test_in_the_rerun_numpy_is_held_to_avx2_and_onnxruntime_is_named_as_not():
    code = ("import json; from voice_agent.modes.bench.isa import isa_report; "
            "print(json.dumps(isa_report('avx2')))")
    env = {**os.environ, **isa.isa_env("avx2"), "PYTHONPATH": os.getcwd()}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                         check=True)
    report = json.loads(out.stdout)
    assert report["environment_applied"] is True
    runtimes = report["runtimes"]
    assert runtimes["numpy"]["limited"] is True
    assert runtimes["onnxruntime"]["limited"] is False
    assert "approximation" in report["note"]
    line = _isa_lines(report)[0]
    assert "limited ctranslate2" in line and "not limited onnxruntime" in line


def test_without_the_switches_the_report_does_not_claim_them(monkeypatch):
    for name in isa.isa_env("avx2"):
        monkeypatch.delenv(name, raising=False)
    report = isa.isa_report("avx2")
    assert report["environment_applied"] is False
    assert report["runtimes"]["ctranslate2"]["limited"] is False
