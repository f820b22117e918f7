"""Speech benchmark: cloned vs base voice on this machine.

For each voice it reports real-time factor, time to first audio (first streamed
sentence), speaker similarity (Resemblyzer cosine) to a *held-out* clip of the reference
speaker, and round-trip WER (the ASR stage's faster-whisper base transcribing the
synthesised speech). Prints JSON, then a markdown table.

    python benchmarks/speech_bench.py [--speaker WAV] [--heldout WAV] [--out DIR]
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from voice_agent.core.audio import concatenate, read_audio, resample, write_wav  # noqa: E402
from voice_agent.speech import (  # noqa: E402
    DEFAULT_SPEAKER_WAV, HELDOUT_SPEAKER_WAV, make_base_speaker, make_cloned_speaker)
from voice_agent.speech.similarity import SpeakerEncoder, cosine  # noqa: E402

REPLIES = {
    "en": [
        "Here is a calm piece for cello and piano. I kept the tempo slow, like a quiet evening.",
        "Sure, I made it faster and brighter. The drums come in after the first bar.",
        "This one is a happy pop song in C major. Tell me if you want more bass.",
    ],
    "es": [
        "Aquí tienes una salsa alegre para bailar. Las congas entran desde el principio.",
        "Listo, la hice más lenta y más suave. ¿Quieres que añada un piano?",
    ],
}


def _asr():
    from faster_whisper import WhisperModel

    from voice_agent.core.models import WHISPER_BASE, ensure_model

    return WhisperModel(str(ensure_model(WHISPER_BASE)), device="cpu", compute_type="int8")


def _wer(asr, audio, text: str, language: str) -> float:
    from voice_agent.core.language import word_error_rate

    segments, _ = asr.transcribe(resample(audio, 16_000).samples, language=language, beam_size=5)
    return word_error_rate(text, " ".join(s.text for s in segments))


def _timed_stream(speaker, text: str, language: str):
    start = time.perf_counter()
    first, chunks = 0.0, []
    for chunk in speaker.stream(text, language):
        first = first or time.perf_counter() - start
        chunks.append(chunk)
    synth = time.perf_counter() - start
    return concatenate([resample(c, chunks[0].rate) for c in chunks], 0.15), synth, first


def bench_voice(name, speaker, asr, encoder, heldout, out: Path | None) -> dict:
    """Synthesise every reply with one voice; aggregate timing, similarity and WER."""
    start = time.perf_counter()
    speaker.load()
    row = {"voice": name, "load_s": round(time.perf_counter() - start, 2)}
    per_lang: dict[str, list] = {}
    for language, texts in REPLIES.items():
        for index, text in enumerate(texts):
            audio, synth, first = _timed_stream(speaker, text, language)
            per_lang.setdefault(language, []).append((audio, synth, first, text))
            if out:
                write_wav(out / f"{name}_{language}{index}.wav", audio)
    row["backend"] = speaker.model_id
    for language, items in per_lang.items():
        speech = concatenate([resample(a, 16_000) for a, *_ in items], 0.3)
        row[language] = {
            "rtf": round(sum(s for _, s, _, _ in items) / sum(a.duration_s for a, *_ in items), 3),
            "first_audio_s_median": round(statistics.median(f for *_, f, _ in items), 3),
            "similarity_to_heldout": round(cosine(encoder.embed(speech), heldout), 3),
            "wer": round(statistics.mean(_wer(asr, a, t, language) for a, _, _, t in items), 3),
        }
    return row


def markdown(rows: list[dict], ceiling: float) -> str:
    """The results as a markdown table."""
    lines = ["| voice | backend | lang | RTF | first audio (s) | similarity to held-out | WER |",
             "|---|---|---|---|---|---|---|"]
    for row in rows:
        for language in REPLIES:
            r = row[language]
            lines.append(f"| {row['voice']} | {row['backend']} | {language} | {r['rtf']} | "
                         f"{r['first_audio_s_median']} | {r['similarity_to_heldout']} | {r['wer']} |")
    lines.append(f"| (same speaker: enrolment clip) | human | en | | | {ceiling:.3f} | |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--speaker", default=str(DEFAULT_SPEAKER_WAV))
    parser.add_argument("--heldout", default=str(HELDOUT_SPEAKER_WAV))
    parser.add_argument("--out", type=Path, help="folder for the synthesised wavs")
    parser.add_argument("--json", type=Path, help="also write the JSON here")
    parser.add_argument("--with-kokoro-base", action="store_true",
                        help="also measure Kokoro's plain base voices (en am_michael, es em_alex)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    if args.out:
        args.out.mkdir(parents=True, exist_ok=True)
    encoder, asr = SpeakerEncoder(), _asr()
    heldout = encoder.embed(read_audio(args.heldout))
    ceiling = cosine(encoder.embed(read_audio(args.speaker)), heldout)
    voices = {"cloned": make_cloned_speaker(args.speaker), "base": make_base_speaker()}
    if args.with_kokoro_base:  # the nearest raw Kokoro voice: what the WORLD conversion adds
        voices["base-kokoro"] = make_base_speaker("kokoro")
    rows = [bench_voice(n, s, asr, encoder, heldout, args.out) for n, s in voices.items()]
    result = {"speaker": args.speaker, "heldout": args.heldout,
              "load_average_1m": round(os.getloadavg()[0], 2), "cpus": os.cpu_count(),
              "same_speaker_similarity": round(ceiling, 3),
              "cloned_cache_hit": voices["cloned"].cache_hit, "voices": rows}
    text = json.dumps(result, indent=2)
    print(text)
    if args.json:
        args.json.write_text(text)
    print()
    print(markdown(rows, ceiling))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
