"""Words that ask for nothing are read from the recogniser's next guess (its beam's other
hypotheses), and only those: words that ask for something, thanks and typed words stay."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

from voice_agent.asr.faster_whisper import BeamHypotheses
from voice_agent.asr.repair import mend_transcript
from voice_agent.core.types import Audio, Intent, Transcript
from voice_agent.fakes import FakeRenderer, FakeResponder, FakeSpeaker, FakeTranscriber
from voice_agent.pipeline.turns import Pipeline

SPEECH = Audio(np.zeros(16_000 * 2, dtype=np.float32), 16_000)


class _Whisper:
    """A stand-in for CTranslate2's Whisper: returns fixed hypotheses, keeps the options."""

    def __init__(self, hypotheses: list[list[int]]) -> None:
        self.hypotheses = hypotheses
        self.options: list[dict] = []
        self.is_multilingual = True

    def generate(self, features, prompts, **options):
        self.options.append(options)
        wanted = options.get("num_hypotheses", 1)
        return [SimpleNamespace(sequences_ids=self.hypotheses[:wanted],
                                scores=[-0.1] * min(wanted, len(self.hypotheses)))]


WORDS = {1: "Puelve", 2: "Vuelve", 3: " a la versión 2.", 4: "uelve"}


def _decode(ids: list[int]) -> str:
    return "".join(WORDS[i] for i in ids)


def test_a_beam_search_keeps_its_next_best_hypotheses():
    whisper = _Whisper([[1, 3], [2, 3], [1, 3], [4, 3]])
    beam = BeamHypotheses(whisper, _decode, hypotheses=4)
    results = beam.generate("features", ["prompt"], beam_size=5, max_length=40)
    assert whisper.options[0]["num_hypotheses"] == 4 and whisper.options[0]["max_length"] == 40
    assert _decode(results[0].sequences_ids[0]) == "Puelve a la versión 2."  # the best stays first
    # the best's own text and repeats are not alternatives
    assert beam.alternatives("Puelve a la versión 2.") == ("Vuelve a la versión 2.",
                                                            "uelve a la versión 2.")
    assert beam.is_multilingual  # everything else passes through


def test_only_a_single_beam_search_gives_alternatives():
    whisper = _Whisper([[1, 3], [2, 3]])
    beam = BeamHypotheses(whisper, _decode)
    beam.generate("features", ["prompt"], beam_size=1, num_hypotheses=2, sampling_topk=0,
                  sampling_temperature=0.5)
    assert whisper.options[0]["num_hypotheses"] == 2  # faster-whisper's own best_of stays
    assert beam.alternatives("Puelve a la versión 2.") == ()  # samples are not a beam's
    beam.reset()
    beam.generate("features", ["prompt"], beam_size=1)
    assert "num_hypotheses" not in whisper.options[1]  # greedy: one hypothesis
    beam.reset()
    beam.generate("features", ["prompt"], beam_size=5)
    beam.generate("features", ["prompt"], beam_size=5)
    assert beam.alternatives("Puelve a la versión 2.") == ()  # two windows: not one reading
    beam.reset()
    beam.generate("features", ["prompt"], beam_size=5)
    assert beam.alternatives("something the transcript kept instead") == ()


def test_alternatives_are_mended_like_the_words():
    heard = Transcript("now the harmonica.", "en", alternatives=("now adharmonica.",))
    assert mend_transcript(heard).alternatives == ("now add harmonica.",)
    # mended, an alternative may be the words themselves, or another alternative
    heard = Transcript("Pon una salsa con trompetas.", "es",
                       alternatives=("Pon una salsa contrompetas.", "pon una salsa con trompetas.",
                                     "Pon una salsa con trompetas!", "Pon una salsa contrompetas!"))
    assert mend_transcript(heard).alternatives == ("Pon una salsa con trompetas!",)


def _spoken_after_a_clip(heard: str, alternatives: tuple[str, ...], language: str = "es"):
    pipeline = Pipeline(FakeTranscriber(heard, language, alternatives=alternatives),
                        FakeResponder(), FakeRenderer(), {"cloned": FakeSpeaker()})
    first = pipeline.run(text="una bachata romántica con guitarra y bongos", language=language)
    return first, pipeline.run(audio=SPEECH, language=language, history=[first])


def test_words_that_ask_for_nothing_are_read_from_the_next_guess_that_asks_for_something():
    first, turn = _spoken_after_a_clip("Ahora gregele unas cordiões.",
                                       ("Ahora gregle unas cordiões.", "Ahora agrégale un acordeón."))
    assert turn.transcript.text == "Ahora agrégale un acordeón."
    assert turn.transcript.first_heard == "Ahora gregele unas cordiões."
    assert turn.reply.intent is Intent.REFINE
    assert "accordion" in turn.reply.plan.instruments
    assert turn.reply.plan.genre == first.reply.plan.genre


@pytest.mark.parametrize("heard, language", [
    ("Ponle un violín.", "es"),  # asks for something: kept as heard
    ("Muchas gracias, está genial.", "es"),  # thanks: nothing to make, and said so
    ("¿En qué tono está?", "es"),  # a question about the clip
])
def test_words_that_ask_for_something_are_kept_as_heard(heard, language):
    _first, turn = _spoken_after_a_clip(heard, ("Ponle un saxofón.",), language)
    assert turn.transcript.text == heard and turn.transcript.first_heard is None
    assert "saxophone" not in (turn.reply.plan.instruments if turn.reply.plan else ())


def test_a_next_guess_that_merely_guesses_a_request_is_not_read():
    # heard for "Ya, ponle unos pads al tiro": no command, edit or music named in it, so
    # it would have made an unrelated clip; the words as heard get the help reply instead
    _first, turn = _spoken_after_a_clip("Ya ponle uno espaz al tiro.",
                                        ("Japón le uno spots al tiro.",))
    assert turn.transcript.first_heard is None and turn.reply.intent is Intent.CHAT


def test_words_are_kept_when_no_next_guess_asks_for_anything():
    _first, turn = _spoken_after_a_clip("Ahora gregele unas cordiões.",
                                        ("Ahora gregle unas cordiões.",))
    assert turn.transcript.text == "Ahora gregele unas cordiões."
    assert turn.transcript.first_heard is None
    assert turn.reply.intent is Intent.CHAT


def test_typed_words_have_no_alternatives_and_are_read_as_typed():
    pipeline = Pipeline(FakeTranscriber(), FakeResponder(), FakeRenderer(), {"cloned": FakeSpeaker()})
    turn = pipeline.run(text="hmm gregele", language="es")
    assert turn.transcript.alternatives == () and turn.transcript.first_heard is None


def test_the_alternatives_cost_benchmark_asks_for_requests_and_ranks_plainly(tmp_path, capsys):
    from tests.bench_scripts import load_benchmark

    bench = load_benchmark("asr_alternatives_cost")
    assert bench.main(["--audio-dir", str(tmp_path)]) == 2  # no requests: says where to get them
    assert "no WAV files" in capsys.readouterr().err
    values = [0.1, 0.2, 0.3, 0.4, 1.0]
    assert bench.percentile(values, 50) == 0.3 and bench.percentile(values, 95) == 1.0
