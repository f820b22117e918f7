"""Sharing two cores: llama.cpp gives way to a voice and to other programs."""

from __future__ import annotations

import pytest

from voice_agent.core import cpu
from voice_agent.responder import llama_cpp as llama_cpp_responder
from voice_agent.responder.llama_cpp import CoreGovernor


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def perf_counter(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch):
    fake = Clock()
    monkeypatch.setattr(llama_cpp_responder.time, "perf_counter", fake.perf_counter)
    return fake


def _tokens(governor: CoreGovernor, clock: Clock, intervals: list[float]) -> list[int]:
    threads = [governor.threads_for_next_token(first=True)]
    for interval in intervals:
        clock.now += interval
        threads.append(governor.threads_for_next_token())
    return threads


def test_steady_tokens_keep_every_thread(clock):
    governor = CoreGovernor(2)
    assert _tokens(governor, clock, [0.07, 0.06, 0.065, 0.07]) == [2, 2, 2, 2, 2]
    assert governor.best_token_s == pytest.approx(0.06)


def test_a_token_far_slower_than_the_best_drops_to_one_thread_for_the_rest(clock):
    governor = CoreGovernor(2)
    threads = _tokens(governor, clock, [0.065, 0.065, 0.9, 0.07, 0.07])
    assert threads == [2, 2, 2, 1, 1, 1] and governor.contended


def test_one_thread_while_another_stage_computes(clock):
    governor = CoreGovernor(2)
    governor.threads_for_next_token(first=True)
    with cpu.working():
        assert cpu.others_working()
        clock.now += 0.1
        assert governor.threads_for_next_token() == 1
        clock.now += 0.5  # slow at one thread: not a sign of contention
        assert governor.threads_for_next_token() == 1
    assert not cpu.others_working()
    clock.now += 0.1
    assert governor.threads_for_next_token() == 2 and not governor.contended


def test_a_single_thread_model_never_asks_for_more(clock):
    governor = CoreGovernor(1)
    assert set(_tokens(governor, clock, [0.1, 2.0, 0.1])) == {1}


def test_a_contended_answer_starts_the_next_on_one_thread_and_probes_back(clock):
    governor = CoreGovernor(2, best_token_s=0.06, contended=True)
    assert governor.initial_threads() == 1
    threads = _tokens(governor, clock, [0.1] * (CoreGovernor.PROBE_EVERY - 1))
    assert set(threads[:-1]) == {1} and threads[-1] == 2  # the probe token
    clock.now += 0.07  # fast on all threads again: the other program has finished
    assert governor.threads_for_next_token() == 2 and not governor.contended


def test_pieces_from_one_decode_step_do_not_set_the_pace(clock):
    governor = CoreGovernor(2)
    threads = _tokens(governor, clock, [0.07, 0.0, 0.07, 0.0005, 0.08])
    assert set(threads) == {2} and governor.best_token_s == pytest.approx(0.07)


def test_a_slowdown_our_own_voice_causes_is_not_taken_for_another_program(clock):
    governor = CoreGovernor(2)
    _tokens(governor, clock, [0.06, 0.06])
    with cpu.working():  # the voice starts mid-token: that token is slow
        clock.now += 0.5
        assert governor.threads_for_next_token() == 1
    assert not governor.contended
