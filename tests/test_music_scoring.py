"""Clip scores: CLAP from a local folder, the audio-feature adherence score, and best-of-N."""

from __future__ import annotations

import dataclasses
import json

import numpy as np
import pytest

from voice_agent.core.audio import write_wav
from voice_agent.core.config import MusicConfig
from voice_agent.core.types import Audio, ClipScore, MusicClip, MusicPlan
from voice_agent.music import select
from voice_agent.music.scoring import (AdherenceScorer, ScoringRenderer, key_agreement,
                                       tempo_agreement, with_best_of)

PLAN = MusicPlan(genre="jazz", bpm=100, key="D", mode="minor", duration_s=6.0, seed=10,
                 instruments=("piano", "upright bass", "drums"))


class SeedRenderer:
    """Renders silence and remembers the seeds it was asked for."""

    model_id = "seed-renderer"
    takes_melody = False

    def __init__(self) -> None:
        self.seeds: list[int] = []

    def load(self) -> None:
        pass

    def render(self, plan: MusicPlan, prompt: str = "") -> MusicClip:
        self.seeds.append(plan.seed)
        return MusicClip(Audio(np.zeros(800, dtype=np.float32), 8000), plan, backend="seeds")


class TableScorer:
    """A fake scorer: the score of each seed is looked up in a table."""

    scorer = "clap"
    model_id = "table"

    def __init__(self, table: dict[int, float]) -> None:
        self.table = table
        self.prompts: list[str] = []

    def load(self) -> None:
        pass

    def score(self, audio: Audio, plan: MusicPlan, prompt: str) -> ClipScore:
        self.prompts.append(prompt)
        return ClipScore(self.table[plan.seed], self.scorer, self.model_id)


def test_best_of_n_keeps_the_highest_score():
    renderer = SeedRenderer()
    scorer = TableScorer({10: 0.1, 11: 0.7, 12: 0.3, 13: 0.69})
    clip = ScoringRenderer(renderer, scorer, best_of=4).render(PLAN, "a jazz trio")
    assert renderer.seeds == [10, 11, 12, 13]
    assert scorer.prompts == ["a jazz trio"] * 4
    assert clip.plan.seed == 11 and clip.score.value == 0.7
    assert clip.score.candidates == (0.1, 0.7, 0.3, 0.69) and clip.score.seed == 11
    assert clip.score.as_dict()["best_of"] == 4


def test_a_tie_keeps_the_first_candidate_and_best_of_one_only_scores():
    clip = ScoringRenderer(SeedRenderer(), TableScorer({10: 0.5, 11: 0.5}), 2).render(PLAN)
    assert clip.plan.seed == 10
    single = ScoringRenderer(SeedRenderer(), TableScorer({10: 0.2}), 1).render(PLAN)
    assert single.score.value == 0.2 and single.score.candidates == ()


def test_scores_are_never_mislabelled():
    clap = ClipScore(0.31, "clap", "clap:x").as_dict()
    adherence = ClipScore(0.5, "audio-features", "audio-features", (("tempo", 1.0),)).as_dict()
    assert clap["clap_score"] == 0.31 and "adherence_score" not in clap
    assert adherence["adherence_score"] == 0.5 and "clap_score" not in adherence
    assert adherence["scorer"] == "audio-features" and adherence["details"] == {"tempo": 1.0}


def test_best_of_without_clap_uses_the_adherence_score():
    wrapped = with_best_of(SeedRenderer(), 3)
    assert isinstance(wrapped.scorer, AdherenceScorer) and wrapped.best_of == 3
    assert with_best_of(wrapped, 3) is wrapped
    assert select(MusicConfig(best_of=2)).scorer.scorer == "audio-features"
    assert not isinstance(select(MusicConfig()), ScoringRenderer)


@pytest.mark.parametrize("measured,planned,expected", [
    (100.0, 100, 1.0), (104.0, 100, 1.0), (50.5, 100, 0.5), (199.0, 100, 0.5),
    (120.0, 100, 0.0), (None, 100, 0.0)])
def test_tempo_agreement(measured, planned, expected):
    assert tempo_agreement(measured, planned) == expected


@pytest.mark.parametrize("key,mode,expected", [
    ("D", "minor", 1.0), ("D", "major", 0.5), ("F", "major", 0.5), ("A", "minor", 0.25),
    ("G", "minor", 0.25), ("E", "minor", 0.0), (None, None, 0.0)])
def test_key_agreement(key, mode, expected):
    assert key_agreement(key, mode, "D", "minor") == expected


def test_adherence_prefers_the_plan_a_clip_was_rendered_from():
    from voice_agent.music.composer import ComposerRenderer

    renderer = ComposerRenderer()
    clip = renderer.render(PLAN)
    scorer = AdherenceScorer()
    own = scorer.score(clip.audio, PLAN)
    other = scorer.score(clip.audio, PLAN.replace(bpm=140, key="F#", mode="major",
                                                  instruments=("pad", "piano")))
    assert own.value > 0.8 > other.value
    assert dict(own.details)["tempo"] == 1.0


@pytest.fixture(scope="module")
def clap_tiny(tmp_path_factory):
    from tests.checkpoints import make_checkpoint

    return make_checkpoint("clap-tiny", tmp_path_factory.mktemp("clap-tiny"))


def tone(seconds=12.0, rate=44100, freq=440.0):
    t = np.arange(int(seconds * rate)) / rate
    return Audio((0.4 * np.sin(2 * np.pi * freq * t)).astype(np.float32), rate)


def test_clap_tiny_loads_and_scores(clap_tiny):
    from voice_agent.music.clap import ClapScorer

    scorer = ClapScorer(clap_tiny)
    first = scorer.similarity("a calm piano piece", tone())
    assert -1.0 <= first <= 1.0 and scorer.load_s is not None
    assert scorer.similarity("a calm piano piece", tone()) == pytest.approx(first, abs=1e-6)
    assert scorer.similarity("loud rock drums", tone()) != pytest.approx(first, abs=1e-6)
    assert "(random weights)" in scorer.model_id
    score = scorer.score(tone(), PLAN, "a calm piano piece")
    assert score.scorer == "clap" and score.as_dict()["clap_score"] == round(first, 4)
    tags = scorer.tags(tone(), ["jazz", "rock", "tango", "salsa"], "a {} song", top=4)
    assert [t.label for t in tags] != [] and sum(t.probability for t in tags) == pytest.approx(1.0)


def test_a_clap_model_in_the_config_scores_every_clip(clap_tiny):
    renderer = select(MusicConfig(clap_model=str(clap_tiny), best_of=2))
    assert renderer.scorer.scorer == "clap" and renderer.best_of == 2


def test_a_missing_clap_folder_is_a_clear_error(tmp_path):
    from voice_agent.core.errors import ModelNotFoundError
    from voice_agent.music.clap import ClapScorer

    with pytest.raises(ModelNotFoundError, match="No CLAP model"):
        ClapScorer(tmp_path).load()


def test_captions_with_clap_carry_zero_shot_tags(clap_tiny, tmp_path):
    from voice_agent.music.clap import ClapScorer
    from voice_agent.workshop.batch import caption_batch
    from voice_agent.workshop.caption import Captioner

    write_wav(tmp_path / "tone.wav", tone(seconds=4.0))
    out = tmp_path / "captions.jsonl"
    caption_batch([tmp_path / "tone.wav"], out, Captioner(), ClapScorer(clap_tiny))
    row = json.loads(out.read_text())
    tags = row["features"]["clap_tags"]
    assert set(tags) == {"genre", "mood", "instruments"}
    assert all(len(found) == 3 for found in tags.values())
    genre = tags["genre"][0]["label"].replace("_", " ")
    assert genre in row["caption"]  # the template names CLAP's top genre


def test_compose_best_of_reports_its_score_in_the_record_and_the_api(tmp_path):
    import httpx

    from tests.live_server import live_server
    from voice_agent.modes.api import create_app
    from voice_agent.service import build_service

    service = build_service(None, tmp_path, fake=True)
    with live_server(create_app(service)) as url, httpx.Client(base_url=url, timeout=60) as client:
        check_generate(client, tmp_path)


def check_generate(client, tmp_path):
    """best_of 2 gives an adherence score with two candidates; no best_of, no score."""
    answer = client.post("/api/audio/generate", json={"prompt": "relaxing jazz with piano",
                                                      "best_of": 2, "duration_s": 4})
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["clap_score"] is None  # no CLAP: never called a CLAP score
    assert body["score"]["scorer"] == "audio-features"
    assert len(body["score"]["candidate_scores"]) == 2
    record = json.loads(next(tmp_path.rglob("compose.json")).read_text())
    assert record["score"]["adherence_score"] == body["score"]["adherence_score"]
    plain = client.post("/api/audio/generate", json={"prompt": "relaxing jazz with piano"})
    assert plain.json()["score"] is None


def test_turn_json_carries_the_score(tmp_path):
    from voice_agent.fakes import fake_pipeline
    from voice_agent.pipeline.record import write_outputs

    pipeline = fake_pipeline()
    pipeline.renderer = with_best_of(pipeline.renderer, 2)
    turn = pipeline.run(text="play some jazz", language="en")
    write_outputs(turn, tmp_path)
    music = json.loads((tmp_path / "turn.json").read_text())["music"]
    assert music["score"]["scorer"] == "audio-features" and music["score"]["best_of"] == 2
    assert dataclasses.asdict(turn.music.score)["scorer"] == "audio-features"


def test_the_run_summary_names_the_scorer():
    from voice_agent.modes.headless import _score_lines

    adherence = {"music": {"score": ClipScore(0.5, "audio-features", "audio-features",
                                              candidates=(0.5, 0.2), seed=4).as_dict()}}
    assert _score_lines(adherence) == ["adherence score: 0.50 (measured from the audio; not "
                                       "CLAP); best of 2, kept seed 4"]
    clap = {"music": {"score": ClipScore(0.25, "clap", "clap:m").as_dict()}}
    assert _score_lines(clap) == ["clap score: 0.250 (clap:m)"]
    assert _score_lines({"music": None}) == []
