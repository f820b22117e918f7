"""The caption workshop: the judge, the captioner and the resumable batch."""

from __future__ import annotations

import json

import numpy as np
import pytest

from voice_agent.core.audio import write_wav
from voice_agent.core.errors import ModelNotFoundError
from voice_agent.core.types import Audio
from voice_agent.music.describe import AudioFeatures, measure
from voice_agent.workshop.batch import caption_batch, done_paths
from voice_agent.workshop.lora_data import read_dataset
from voice_agent.workshop.caption import Captioner, template_caption
from voice_agent.workshop.judge import Tags, check_caption

FAST_BRIGHT = AudioFeatures(duration_s=10.0, sample_rate=44100, tempo_bpm=128.4, key="D",
                            mode="minor", key_confidence=0.8, loudness_lufs=-12.0,
                            peak_dbfs=-1.0, spectral_centroid_hz=2900.0, onset_density=4.5,
                            percussive_share=0.35)
SLOW_WARM = AudioFeatures(duration_s=12.0, sample_rate=44100, tempo_bpm=72.0, key="Bb",
                          mode="major", key_confidence=0.7, loudness_lufs=-24.0,
                          peak_dbfs=-8.0, spectral_centroid_hz=400.0, onset_density=1.2,
                          percussive_share=0.05)
CLAP = Tags(genres=("jazz", "lofi", "bossa_nova"), moods=("calm", "relaxed", "sad"),
            instruments=("piano", "upright bass", "drums"))


@pytest.mark.parametrize("features,tags,language", [
    (FAST_BRIGHT, Tags(), "en"), (SLOW_WARM, Tags(), "en"), (FAST_BRIGHT, Tags(), "es"),
    (SLOW_WARM, Tags(), "es"), (SLOW_WARM, CLAP, "en"), (FAST_BRIGHT, CLAP, "es"),
])
def test_the_template_states_only_what_the_judge_accepts(features, tags, language):
    caption = template_caption(features, tags, language)
    assert check_caption(caption, features, tags) == [], caption


def test_the_template_states_key_and_tempo():
    assert template_caption(FAST_BRIGHT) == ("A fast, bright track in D minor at 128 BPM, "
                                             "percussive, busy and loud.")
    assert "si bemol mayor a 72 BPM" in template_caption(SLOW_WARM, language="es")


@pytest.mark.parametrize("caption,claim", [
    ("An upbeat jazz tune with piano, at 128 BPM.", "genre jazz"),  # no CLAP: no genre
    ("A track in D minor at 128 BPM with a saxophone solo.", "instrument saxophone"),
    ("A track in D minor at 140 BPM with a driving beat.", "140 BPM"),
    ("A bright track in E minor, at 128 BPM.", "key E minor"),
    ("Un tema en re mayor a 128 BPM.", "key re major"),
    ("A bright piece in a major key at 128 BPM.", "major mode"),
    ("A slow track in D minor at 128 BPM.", "'slow'"),
    ("A quiet, warm track in D minor at 128 BPM.", "'quiet'"),
    ("A sad and melancholic track in D minor at 128 BPM.", "mood 'sad'"),
    ("A track in D minor at 128 BPM with a female singer.", "'singer'"),
    ("A beatless track in D minor at 128 BPM.", "'beatless'"),
    ("A 30-second track in D minor at 128 BPM.", "30 s long"),
    ("A track in D minor. It is at 128 BPM.", "more than one sentence"),
    ("Jazz.", "length"),
])
def test_the_judge_rejects_what_the_features_do_not_support(caption, claim):
    problems = check_caption(caption, FAST_BRIGHT, Tags())
    assert any(p.startswith(claim) for p in problems), problems


def test_clap_tags_back_genre_mood_and_instrument_claims():
    caption = "A calm, slow jazz track with piano and upright bass in B flat major at 72 BPM."
    assert check_caption(caption, SLOW_WARM, CLAP) == []
    assert check_caption(caption, SLOW_WARM, Tags()) != []
    with_voice = Tags(instruments=("vocals",))
    assert check_caption("A slow vocal track in B flat major at 72 BPM.", SLOW_WARM,
                         with_voice) == []


def answering(*answers):
    """A fake JSON completer that gives ``answers`` in turn (an exception is raised)."""
    queue = list(answers)

    def complete(messages, schema, max_tokens, temperature=None, seed=None, **_):
        assert schema["required"] == ["caption"] and "tempo: 128 BPM" in messages[1]["content"]
        answer = queue.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return json.dumps({"caption": answer})
    return complete


def test_a_supported_model_caption_is_kept_and_completed_with_key_and_tempo():
    captioner = Captioner(answering("A fast, bright and busy track with a percussive drive."))
    caption = captioner.caption(FAST_BRIGHT)
    assert caption.source == "llm"
    assert caption.text == ("A fast, bright and busy track with a percussive drive, "
                            "in D minor at 128 BPM.")
    assert check_caption(caption.text, FAST_BRIGHT) == []


def test_an_unsupported_model_caption_falls_back_to_the_template():
    captioner = Captioner(answering("A dreamy jazz ballad with saxophone in C major."))
    caption = captioner.caption(FAST_BRIGHT)
    assert caption.source == "template"
    assert caption.text == template_caption(FAST_BRIGHT)
    assert caption.model_caption.startswith("A dreamy jazz")
    assert any("saxophone" in r for r in caption.rejected)


@pytest.mark.parametrize("failure", [RuntimeError("llama died"),
                                     ModelNotFoundError("Cannot load the language model")])
def test_a_failing_model_gives_the_template(failure):
    caption = Captioner(answering(failure)).caption(FAST_BRIGHT)
    assert (caption.source, caption.text) == ("template", template_caption(FAST_BRIGHT))


def clip(path, bpm=120.0, seconds=4.0, rate=22050):
    """A click track over an A-minor triad: something with a tempo and a key."""
    t = np.arange(int(seconds * rate)) / rate
    tone = sum(np.sin(2 * np.pi * f * t) for f in (220.0, 261.63, 329.63)) * 0.15
    clicks = np.zeros_like(t)
    for start in np.arange(0, seconds, 60.0 / bpm):
        i = int(start * rate)
        clicks[i:i + 300] += np.random.default_rng(i).normal(0, 0.4, len(clicks[i:i + 300]))
    write_wav(path, Audio((tone + clicks).astype(np.float32).clip(-1, 1), rate))
    return path


def test_a_batch_with_a_corrupt_file_goes_on_and_resumes(tmp_path):
    folder = tmp_path / "music"
    folder.mkdir()
    clip(folder / "a.wav")
    (folder / "b.wav").write_bytes(b"RIFF\x00\x00\x00\x00WAVEnot audio at all")
    (folder / "notes.txt").write_text("not audio")
    out = tmp_path / "captions.jsonl"
    first = caption_batch([folder], out, Captioner())
    assert (first.found, first.captioned, first.failed, first.skipped) == (2, 1, 1, 0)
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    good, bad = rows
    assert good["audio"].endswith("a.wav") and good["error"] is None
    assert good["caption"] and good["features"]["tempo_bpm"] > 0
    assert good["features"]["loudness_lufs"] < 0
    assert bad["audio"].endswith("b.wav") and bad["caption"] is None
    assert "corrupt" in bad["error"] or "decode" in bad["error"]
    assert [str(r.audio) for r in read_dataset(out).rows] == [good["audio"]]  # what train-lora reads

    clip(folder / "c.wav", bpm=90.0)
    with out.open("a") as handle:
        handle.write('{"audio": "torn')  # a run killed mid-line
    second = caption_batch([folder, folder / "a.wav"], out, Captioner())
    assert (second.found, second.skipped, second.captioned, second.failed) == (3, 2, 1, 0)
    assert len(done_paths(out)) == 3
    assert json.loads(out.read_text().splitlines()[-1])["audio"].endswith("c.wav")


def test_measure_reads_a_short_clip_honestly():
    features = measure(Audio(np.zeros(22050, dtype=np.float32), 22050))
    assert features.tempo_bpm is None and features.key is None
    assert features.notes and check_caption("A track at 120 BPM in C major.", features)


def test_the_caption_command_writes_and_resumes(tmp_path, capsys):
    from voice_agent.cli import main

    clip(tmp_path / "a.wav")
    out = tmp_path / "data" / "captions.jsonl"
    argv = ["caption", str(tmp_path / "a.wav"), "--out", str(out), "--no-llm", "--no-progress",
            "--language", "es"]
    assert main(argv) == 0
    assert "1 captioned, 0 failed, 0 already done (of 1 files)" in capsys.readouterr().out
    row = json.loads(out.read_text())
    assert row["language"] == "es" and row["caption"].startswith("Un tema")
    assert main(argv) == 0
    assert "1 already done" in capsys.readouterr().out
    assert main(["caption", str(tmp_path / "missing"), "--out", str(out), "--no-llm"]) == 2
    assert "No such file or folder" in capsys.readouterr().err
