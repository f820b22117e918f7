"""The ``voice-agent`` command. The only module that prints."""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from voice_agent import __version__
from voice_agent.config import AgentConfig, load_config, override
from voice_agent.errors import VoiceAgentError

log = logging.getLogger("voice_agent")


def _add_config_flags(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--config", help="TOML config file (flags override it)")
    parser.add_argument("--asr-backend", choices=["faster-whisper", "openai-whisper"])
    parser.add_argument("--asr-model", help="ASR weights folder / .pt file (default: embedded)")
    parser.add_argument("--llm-backend", choices=["llama-cpp", "transformers", "ollama", "rules"])
    parser.add_argument("--llm-model", help="LLM weights: GGUF file or transformers folder")
    parser.add_argument("--music-backend", choices=["composer", "musicgen", "none"])
    parser.add_argument("--musicgen-model", help="MusicGen folder or cached model id")
    parser.add_argument("--speaker", help="speaker recording (10-15 s) for the cloned voice")
    parser.add_argument("--voice-backend", choices=["kokoro-clone", "xtts"],
                        help="how the cloned voice is made (default kokoro-clone)")
    parser.add_argument("--xtts-dir", help="Coqui XTTS v2 checkpoint folder (--voice-backend xtts)")
    parser.add_argument("--base-voice", choices=["auto", "piper", "kokoro", "espeak"],
                        help="base voice engine (default auto: Piper for English, Kokoro for Spanish)")
    parser.add_argument("--no-speech", action="store_true", help="do not speak the reply")
    parser.add_argument("--library-dir", help="clip library folder (default $VOICE_AGENT_HOME/library)")
    parser.add_argument("--no-library", action="store_true",
                        help="do not store clips; library commands are refused")
    parser.add_argument("--speak-lyrics", action="store_true",
                        help="mix the cloned voice reading a song's lyrics over its music")
    parser.add_argument("-v", "--verbose", action="count", default=0)


def config_from_args(args: argparse.Namespace) -> AgentConfig:
    """Config file (if any) with the command-line flags on top."""
    config = load_config(args.config)
    return override(
        config,
        asr__backend=args.asr_backend,
        asr__model_path=args.asr_model,
        llm__backend=args.llm_backend,
        llm__model_path=args.llm_model,
        music__backend=args.music_backend,
        music__model_path=args.musicgen_model,
        speech__speaker_wav=args.speaker,
        speech__cloned_backend=args.voice_backend,
        speech__xtts_dir=args.xtts_dir,
        speech__base_backend=args.base_voice,
        speech__enabled=False if args.no_speech else None,
        library__path=args.library_dir,
        library__enabled=False if args.no_library else None,
        library__speak_lyrics=True if args.speak_lyrics else None,
    )


def cmd_run(args: argparse.Namespace) -> int:
    """Headless mode: one request in, a folder of results out."""
    from voice_agent.factory import build_pipeline
    from voice_agent.modes.headless import run_request, summary, write_outputs

    if (args.request is None) == (args.text is None):
        print("Give a request audio file or --text \"...\" (one of them).", file=sys.stderr)
        return 2
    language = None if args.language == "auto" else args.language
    pipeline = build_pipeline(config_from_args(args))
    loaded = pipeline.load()
    print("models loaded in " + ", ".join(f"{k} {v:.1f}s" for k, v in loaded.items()))
    turn = run_request(pipeline, args.request, args.text, language)
    record = write_outputs(turn, args.out, _comparison(args, pipeline, turn))
    print(summary(record))
    print(f"wrote {Path(args.out) / 'turn.json'}")
    return 0 if turn.ok else 1


def _comparison(args: argparse.Namespace, pipeline, turn) -> dict | None:
    """Score the spoken voices unless --no-compare (it costs a few seconds per turn)."""
    if args.no_compare or not turn.speech:
        return None
    from voice_agent.modes.headless import compare_voices
    from voice_agent.voice.compare import default_comparer

    comparer = default_comparer(args.speaker, args.reference)
    try:
        return compare_voices(turn, comparer, pipeline.transcriber)
    except VoiceAgentError as exc:
        log.warning("voice comparison skipped: %s", exc)
        return {"error": str(exc)}


def cmd_enrol(args: argparse.Namespace) -> int:
    """Check a speaker recording and build its cloned-voice profile (cached on disk)."""
    from voice_agent.voice import make_cloned_speaker

    speaker = make_cloned_speaker(args.speaker_wav)
    speaker.load()
    state = "already enrolled (cache hit)" if speaker.cache_hit else "enrolled"
    print(f"{args.speaker_wav or 'bundled speaker'}: {state}; voice {speaker.model_id}")
    return 0


def cmd_models(args: argparse.Namespace) -> int:
    """List every stage's backend, its weights, checksum state and licence."""
    from voice_agent.models import REGISTRY, ensure_model, model_dir, verify_model

    config = config_from_args(args)
    print(f"asr backend: {config.asr.backend}    llm backend: {config.llm.backend}    "
          f"music backend: {config.music.backend}")
    status = 0
    for spec in REGISTRY.values():
        if args.prepare:
            try:
                ensure_model(spec)
            except VoiceAgentError as exc:
                print(f"  cannot prepare {spec.name}: {exc}")
                status = 1
        report = verify_model(spec)
        print(f"\n[{spec.stage}] {spec.name}: {spec.description}")
        print(f"  licence: {spec.licence}")
        print(f"  source:  {spec.source}  (extra: {spec.extra})")
        print(f"  folder:  {model_dir(spec)}")
        for name, state in report.items():
            print(f"    {name}: {state}")
    return status


def cmd_library(args: argparse.Namespace) -> int:
    """``voice-agent library list|play|export|delete``."""
    from voice_agent.library.cli import run

    lines, code = run(args, _ask_yes)
    print("\n".join(lines))
    return code


def _ask_yes(prompt: str) -> bool:
    """A yes typed at the terminal; False when there is no terminal (use --yes)."""
    if not sys.stdin.isatty():
        return False
    return input(prompt).strip().lower() in ("y", "yes", "s", "si", "sí")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser for every subcommand."""
    parser = argparse.ArgumentParser(prog="voice-agent", description=__doc__)
    parser.add_argument("--version", action="version", version=f"voice-agent {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)

    run = sub.add_parser("run", help="headless: one request file in, results folder out")
    run.add_argument("request", nargs="?", help="spoken request (WAV, FLAC, OGG, MP3, M4A...)")
    run.add_argument("--text", help="typed request instead of audio")
    run.add_argument("--out", default="out", help="output folder (default: out)")
    run.add_argument("--language", default="auto", choices=["auto", "en", "es"])
    run.add_argument("--reference", help="held-out recording of the --speaker voice, for "
                                          "the similarity score")
    run.add_argument("--no-compare", action="store_true",
                     help="skip scoring the voices (similarity, round-trip WER)")
    _add_config_flags(run)
    run.set_defaults(func=cmd_run)

    enrol = sub.add_parser("enrol", help="check a 10-15 s speaker recording and build its voice")
    enrol.add_argument("speaker_wav", nargs="?", help="recording (default: the bundled speaker)")
    enrol.add_argument("-v", "--verbose", action="count", default=0)
    enrol.set_defaults(func=cmd_enrol)

    models = sub.add_parser("models", help="list models, weights, checksums and licences")
    models.add_argument("--prepare", action="store_true", help="join and check weights now")
    _add_config_flags(models)
    models.set_defaults(func=cmd_models)

    from voice_agent.library.cli import add_library_parser

    add_library_parser(sub, cmd_library)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``voice-agent`` console script."""
    args = build_parser().parse_args(argv)
    level = logging.WARNING - 10 * min(args.verbose, 2)
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s")
    try:
        return args.func(args)
    except VoiceAgentError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
