"""The ``voice-agent`` command. The only module that prints."""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from voice_agent import __version__, asr, music, responder, speech
from voice_agent.core.config import AgentConfig, load_config, override
from voice_agent.core.errors import VoiceAgentError
from voice_agent.modes.ui_text import LANGUAGES, resolve_language, t

if TYPE_CHECKING:
    from voice_agent.modes.talk import TalkOptions

log = logging.getLogger("voice_agent")


class _Parser(argparse.ArgumentParser):
    """An argument parser whose usage errors are one line and exit code 2."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def _add_backend_flags(parser: argparse.ArgumentParser) -> None:
    """Which backend each stage uses (what ``models`` reports on)."""
    parser.add_argument("--config", help="TOML config file (flags override it)")
    parser.add_argument("--asr-backend", choices=asr.BACKENDS, help="speech recogniser")
    parser.add_argument("--llm-backend", choices=responder.BACKENDS, help="language model runtime")
    parser.add_argument("--music-backend", choices=music.BACKENDS, help="music engine")
    _add_verbose(parser)


def _add_model_flags(parser: argparse.ArgumentParser) -> None:
    """The backends, their weights and the voices: every command that runs the models."""
    _add_backend_flags(parser)
    parser.add_argument("--asr-model", help="ASR weights folder / .pt file (default: embedded)")
    parser.add_argument("--llm-model", help="LLM weights: GGUF file or transformers folder")
    parser.add_argument("--musicgen-model", help="MusicGen folder or cached model id")
    parser.add_argument("--lora", metavar="ADAPTER_DIR",
                        help="a LoRA adapter from 'voice-agent train-lora', merged into the "
                             "MusicGen decoder (--music-backend musicgen)")
    parser.add_argument("--melody", help="a hummed, whistled or played tune (audio file) for "
                        "the music to follow")
    parser.add_argument("--clap-model", help="local CLAP folder: score each clip against its "
                        "prompt (clap_score); without it --best-of uses the audio-feature "
                        "adherence score")
    parser.add_argument("--best-of", type=_ranged(int, 1, 8, "number of candidates"),
                        help="render N candidates (consecutive seeds) and keep the best-scoring")
    parser.add_argument("--speaker", help="the cloned voice: a recording (10-15 s) or the name "
                                          "of a speaker enrolled with 'voice-agent enrol --name'")
    parser.add_argument("--voice-backend", choices=speech.CLONE_BACKENDS,
                        help="how the cloned voice is made (default kokoro-clone)")
    parser.add_argument("--xtts-dir", help="Coqui XTTS v2 checkpoint folder (--voice-backend xtts)")
    parser.add_argument("--base-voice", choices=speech.BASE_BACKENDS,
                        help="base voice engine (default auto: Piper for English, Kokoro for Spanish)")
    parser.add_argument("--no-speech", action="store_true", help="do not speak the reply")


def _add_library_flags(parser: argparse.ArgumentParser) -> None:
    """Flags for commands that store clips (run, talk, web, serve)."""
    parser.add_argument("--library-dir", help="clip library folder (default $VOICE_AGENT_HOME/library)")
    parser.add_argument("--no-library", action="store_true",
                        help="do not store clips; library commands are refused")
    parser.add_argument("--speak-lyrics", action="store_true",
                        help="mix the cloned voice reading a song's lyrics over its music")


def _add_config_flags(parser: argparse.ArgumentParser) -> None:
    """Model flags plus library flags: the commands that run whole turns."""
    _add_model_flags(parser)
    _add_library_flags(parser)


def _add_verbose(parser: argparse.ArgumentParser) -> None:
    """``-v``/``-vv``: more log output (read once in ``main``)."""
    parser.add_argument("-v", "--verbose", action="count", default=0,
                        help="more log output (-vv: debug)")


def _add_ui_language(parser: argparse.ArgumentParser, top: bool = False) -> None:
    parser.add_argument("--ui-language", choices=LANGUAGES,
                        default=None if top else argparse.SUPPRESS,
                        help="language of the interface's own words (default: from the "
                             "locale, LANG/LC_ALL); replies follow the speaker either way")


def _seed(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = -1
    if not 0 <= value < 2**32:
        raise argparse.ArgumentTypeError(f"'{text}' is not a seed: use a whole number from 0 "
                                         f"to {2**32 - 1}")
    return value


def _ranged(kind: type, low: float, high: float, what: str):
    def parse(text: str):
        try:
            value = kind(text)
        except ValueError:
            value = None
        if value is None or not low <= value <= high:
            raise argparse.ArgumentTypeError(f"'{text}' is not a {what} from {low:g} to {high:g}")
        return value
    return parse


def _key(text: str) -> str:
    from voice_agent.core.plan import PITCH_CLASSES, normalize_key

    key = normalize_key(text)
    if key is None:
        raise argparse.ArgumentTypeError(f"'{text}' is not a key; use one of "
                                         + ", ".join(PITCH_CLASSES))
    return key


def _add_plan_flags(parser: argparse.ArgumentParser) -> None:
    """The Compose tab's overrides, applied to the plan the responder makes."""
    from voice_agent.music.styles import RECIPES

    group = parser.add_argument_group("music overrides (default: from the request)")
    group.add_argument("--seed", type=_seed, help="0 to 4294967295; the same seed and plan "
                                                  "give the same clip, sample for sample")
    group.add_argument("--duration", type=_ranged(float, 1, 60, "length in seconds"),
                       help="clip length in seconds (1-60)")
    group.add_argument("--bpm", type=_ranged(int, 40, 220, "tempo"), help="tempo (40-220)")
    group.add_argument("--key", type=_key, help="e.g. C, F#, Bb")
    group.add_argument("--mode", choices=["major", "minor"])
    group.add_argument("--genre", choices=sorted(RECIPES))


def plan_options(args: argparse.Namespace):
    """The ``run`` flags as Compose overrides."""
    from voice_agent.service.compose import ComposeOptions

    return ComposeOptions(duration_s=args.duration, seed=args.seed, genre=args.genre,
                          bpm=args.bpm, key=args.key, mode=args.mode)


def speaker_recording(value: str | None) -> str | None:
    """``--speaker``: a recording path as given, or an enrolled speaker's name -> its file."""
    if not value or Path(value).is_file():
        return value
    from voice_agent.service.voices import default_speakers_dir, real_voice_lab

    if not default_speakers_dir().is_dir():
        return value  # the speech stage says the file is missing
    return str(real_voice_lab(default_speakers_dir(), None).recording(value))


def config_from_args(args: argparse.Namespace) -> AgentConfig:
    """Config file (if any) with the command-line flags on top."""
    config = load_config(args.config)
    flag = lambda name: getattr(args, name, None)  # noqa: E731 - not every command has every flag
    return override(
        config,
        asr__backend=args.asr_backend,
        asr__model_path=flag("asr_model"),
        llm__backend=args.llm_backend,
        llm__model_path=flag("llm_model"),
        music__backend=args.music_backend,
        music__model_path=flag("musicgen_model"),
        music__melody=flag("melody"),
        music__clap_model=flag("clap_model"),
        music__best_of=flag("best_of"),
        music__lora=flag("lora"),
        speech__speaker_wav=speaker_recording(flag("speaker")),
        speech__cloned_backend=flag("voice_backend"),
        speech__xtts_dir=flag("xtts_dir"),
        speech__base_backend=flag("base_voice"),
        speech__enabled=False if flag("no_speech") else None,
        library__path=flag("library_dir"),
        library__enabled=False if flag("no_library") else None,
        library__speak_lyrics=True if flag("speak_lyrics") else None,
    )


def cmd_run(args: argparse.Namespace) -> int:
    """Headless mode: one request in, a folder of results out."""
    from voice_agent.modes.headless import (ProgressLines, check_request, plan_adjuster,
                                            run_request, summary)

    lang = _ui(args)
    if (args.request is None) == (args.text is None):
        print(t("cli.one_input", lang), file=sys.stderr)
        return 2
    from voice_agent.pipeline.build import build_pipeline
    from voice_agent.pipeline.record import write_outputs

    language = None if args.language == "auto" else args.language
    if args.speaker:  # an unusable --speaker fails now, not after a whole turn
        from voice_agent.speech.enrol import load_enrolment_clip

        load_enrolment_clip(args.speaker, 16_000)
    config = config_from_args(args)
    music.check_files(config.music)  # a --lora for another base: one line, now
    # a typed request needs no speech recogniser: do not load Whisper for it
    pipeline = build_pipeline(config, with_asr=args.text is None)
    audio = None  # constructors load nothing: a bad file answers before any model loads
    if args.request is not None:
        try:
            audio = check_request(args.request, args.max_audio_s)
        except VoiceAgentError as exc:
            from voice_agent.core.types import StageError

            failed = pipeline.failed_turn(args.request, StageError("input", exc.kind, str(exc)))
            write_outputs(failed, args.out, None)  # turn.json, as for every run
            print(f"error: {exc}", file=sys.stderr)
            return 1
        _progress(f"request: {audio.duration_s:.1f} s of audio")
    _progress("loading models…")
    log.info("loading models")  # the marker tests look for: no model loads before the checks
    loaded = pipeline.load()
    _progress(t("cli.models_loaded", lang,
                times=", ".join(f"{k} {v:.1f}s" for k, v in loaded.items())))
    if args.session:
        print(f"session: {args.session}")  # a result the person keeps, not progress
    turn = run_request(pipeline, args.request, args.text, language, args.session, audio,
                       on_event=ProgressLines(_progress), adjust=plan_adjuster(plan_options(args)))
    record = write_outputs(turn, args.out, _comparison(args, pipeline, turn))
    print(summary(record))
    print(t("cli.wrote", lang, path=Path(args.out) / "turn.json"))
    return 0 if turn.ok else 1


def _progress(line: str) -> None:
    """One progress line on stderr, at once (stdout keeps the results)."""
    print(line, file=sys.stderr, flush=True)


def _comparison(args: argparse.Namespace, pipeline, turn) -> dict | None:
    """Score the spoken voices only with --compare (a benchmark's job: seconds per turn)."""
    if not args.compare or not turn.speech:
        return None
    from voice_agent.pipeline.record import compare_voices
    from voice_agent.speech.compare import default_comparer

    comparer = default_comparer(speaker_recording(args.speaker), args.reference)
    try:
        return compare_voices(turn, comparer, pipeline.transcriber)
    except VoiceAgentError as exc:
        log.warning("voice comparison skipped: %s", exc)
        return {"error": str(exc)}


def cmd_talk(args: argparse.Namespace) -> int:
    """Push-to-talk desktop session: talk, listen, talk again."""
    from voice_agent.modes.talk import run_talk
    from voice_agent.modes.talk.devices import format_device_list, load_sounddevice

    if args.list_devices:
        return _list_devices(args, format_device_list, load_sounddevice)
    return run_talk(talk_options(args), config_from_args(args))


def talk_options(args: argparse.Namespace) -> TalkOptions:
    """The talk session's options from the ``talk`` command's arguments."""
    from voice_agent.modes.talk import TalkOptions

    return TalkOptions(
        input_device=args.input_device, output_device=args.output_device,
        text_only=args.text_only, out=args.out,
        language=None if args.language == "auto" else args.language,
        voice=args.voice, save_dir=args.save_dir, hold_to_talk=not args.no_hold,
        session=args.session, ui_language=_ui(args))


def _list_devices(args: argparse.Namespace, format_device_list, load_sounddevice) -> int:
    """The sound devices; where there is no sound card, how to talk without one."""
    try:
        sd = load_sounddevice()
        listing = format_device_list(sd)
        found = list(sd.query_devices())
    except VoiceAgentError as exc:
        listing, found = str(exc), []
    except Exception as exc:  # noqa: BLE001 - PortAudio's own errors: no sound system
        listing, found = f"No sound devices ({type(exc).__name__}: {exc}).", []
    if found:
        print(listing)
        return 0
    print(t("cli.no_sound_card", _ui(args), listing=listing))
    return 1


def cmd_bench(args: argparse.Namespace) -> int:
    """Latency benchmark: full turns over the shipped spoken requests; a report in --out."""
    from voice_agent.modes.bench.isa import isa_report, reexec_argv

    again = reexec_argv(args.isa)
    if again is not None:  # the runtimes read their ISA switches when they load
        print(f"re-running under the {args.isa} preset…", file=sys.stderr, flush=True)
        os.execve(again[0][0], again[0], again[1])
    from voice_agent.pipeline.build import build_pipeline
    from voice_agent.modes.bench.run import (DEFAULT_OUT, DEFAULT_REQUESTS, load_requests,
                                         run_benchmark, write_report)
    from voice_agent.speech.compare import default_comparer

    # benchmark clips are measurements, not the person's music: keep them out of the library
    config = override(config_from_args(args), library__enabled=False)
    requests = load_requests(args.requests or DEFAULT_REQUESTS, args.limit)
    pipeline = build_pipeline(config)
    stream = (args.stream or config.asr.streaming) and not args.no_stream
    comparer = None if args.no_compare else default_comparer(speaker_recording(args.speaker),
                                                             args.reference)
    settings = {"asr_threads": config.asr.threads, "asr_beam_size": config.asr.beam_size,
                "llm_threads": config.llm.threads, "llm_backend": config.llm.backend,
                "music_backend": config.music.backend, "asr_max_seconds": config.asr.max_seconds,
                "asr_streaming": stream, "isa": args.isa}
    report = run_benchmark(pipeline, requests, args.runs, settings, comparer,
                           progress=not args.no_progress, stream=stream)
    report["isa"] = isa_report(args.isa)
    paths = write_report(report, args.out or DEFAULT_OUT)
    print(paths["md"].read_text(encoding="utf-8"))
    print("wrote " + ", ".join(str(p) for p in paths.values()))
    return 0 if report["quality"]["failed_turns"] == 0 else 1


def cmd_enrol(args: argparse.Namespace) -> int:
    """Check a speaker recording and build its cloned-voice profile (cached on disk)."""
    lang = _ui(args)
    if args.name:
        if not args.speaker_wav:
            print("Give the recording to enrol: voice-agent enrol FILE --name NAME",
                  file=sys.stderr)
            return 2
        lab = _voice_lab(args)
        info = lab.enrol(Path(args.speaker_wav), Path(args.speaker_wav).name, args.name,
                         on_step=_enrol_lines(lang))
        for warning in info.warnings:
            print(f"note: {warning}")
        key = "cli.enrol_cached" if info.cache_hit else "cli.enrol_new"
        print(t(key, lang, name=info.name, speaker_id=info.speaker_id, seconds=info.duration_s))
        return 0
    from voice_agent.speech import make_cloned_speaker

    speaker = make_cloned_speaker(speaker_recording(args.speaker_wav), show_progress=False,
                                  on_step=_enrol_lines(lang))
    speaker.load()
    state = "already enrolled (cache hit)" if speaker.cache_hit else "enrolled"
    print(t("cli.enrolled", lang, source=args.speaker_wav or "bundled speaker", state=state,
            model=speaker.model_id))
    return 0


def _enrol_lines(lang: str) -> Callable:
    """Print each enrolment step as a line on stderr (stdout stays the result)."""
    from voice_agent.modes.ui_text import enrolment_line

    return lambda step: print(enrolment_line(step, lang), file=sys.stderr, flush=True)


def _voice_lab(args: argparse.Namespace):
    """The named speakers' folder (``--speakers-dir``, default $VOICE_AGENT_HOME/speakers)."""
    from voice_agent.service.voices import default_speakers_dir, real_voice_lab

    return real_voice_lab(Path(args.speakers_dir) if args.speakers_dir
                          else default_speakers_dir(), None)


def cmd_speakers(args: argparse.Namespace) -> int:
    """``voice-agent speakers list|rename|delete``: the named speakers."""
    lang = _ui(args)
    lab = _voice_lab(args)
    if args.action == "rename":
        speaker_id = lab.rename(args.speaker, args.new_name)
        print(t("cli.renamed", lang, speaker_id=speaker_id, name=lab.name_of(speaker_id)))
        return 0
    if args.action == "delete":
        if not args.yes and not _ask_yes(f"delete speaker '{args.speaker}' and its recording? "
                                         "[y/N] "):
            print("Nothing deleted (confirm at the prompt, or pass --yes).")
            return 1
        speaker_id, name = lab.delete(args.speaker)
        print(t("cli.deleted_speaker", lang, speaker_id=speaker_id, name=name))
        return 0
    found = lab.speakers()
    if not found:
        print(t("cli.no_speakers", lang))
        return 0
    for speaker_id, name in found:
        print(f"{name}\t{speaker_id}\t{lab.recording(speaker_id).name}")
    return 0


def cmd_caption(args: argparse.Namespace) -> int:
    """Caption audio files and folders into a JSON-lines dataset (resumable)."""
    from tqdm import tqdm

    from voice_agent.workshop.batch import caption_batch
    from voice_agent.workshop.caption import Captioner

    config = config_from_args(args)
    complete = None
    if not args.no_llm:
        from voice_agent.responder import JsonCompleter

        chosen = responder.select(config.llm, config.music.default_duration_s)
        if not isinstance(chosen, JsonCompleter):
            raise VoiceAgentError(f"The {config.llm.backend} backend cannot answer to a JSON "
                                  "schema; use --no-llm for template captions.")
        chosen.load()  # a missing model stops here, not as an error row for every file
        complete = chosen.complete_json
    clap = None
    clap_dir = args.clap_model or config.music.clap_model
    if clap_dir:
        from voice_agent.music.clap import ClapScorer

        clap = ClapScorer(clap_dir)
        clap.load()
    bar = lambda files: tqdm(files, desc="captioning", unit="file", file=sys.stderr,  # noqa: E731
                             disable=args.no_progress)
    summary = caption_batch(args.paths, args.out, Captioner(complete, args.language,
                                                           config.llm.seed), clap, bar)
    print(f"{summary.out}: {summary.captioned} captioned, {summary.failed} failed, "
          f"{summary.skipped} already done (of {summary.found} files)")
    return 1 if summary.failed and not summary.captioned else 0


def cmd_models(args: argparse.Namespace) -> int:
    """List every stage's backend, its weights, checksum state and licence."""
    from voice_agent.core.models import REGISTRY, ensure_model, model_dir, verify_model

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
    for line in _other_weights():
        print(line)
    return status


def _other_weights() -> list[str]:
    """The weights that come from Debian or a wheel as they are: the SoundFont, the encoder."""
    from importlib.util import find_spec

    from voice_agent.music.synth import find_soundfont

    try:
        soundfont = f"ok: {find_soundfont()}"
    except VoiceAgentError as exc:
        soundfont = f"missing ({exc}); the numpy synthesizer is used instead"
    encoder = "ok (inside the Resemblyzer package)" if find_spec("resemblyzer") else \
        "missing: pip install Resemblyzer (voice enrolment and similarity need it)"
    return ["\n[music] General MIDI SoundFont: the instruments FluidSynth plays",
            "  licence: MIT (FluidR3_GM, Debian fluid-soundfont-gm); TimGM6mb: GPL-2.0",
            "  source:  Debian package fluid-soundfont-gm (or timgm6mb-soundfont)",
            f"    {soundfont}",
            "\n[tts] resemblyzer-0.1.4-ge2e: GE2E speaker encoder (voice enrolment and "
            "similarity)",
            "  licence: Apache-2.0 (Resemblyzer)",
            "  source:  PyPI Resemblyzer ==0.1.4 (weights inside the wheel)",
            f"    pretrained.pt: {encoder}"]


def _serve(args: argparse.Namespace, web: bool) -> int:
    """Build the shared service, load its models, and serve the API (and the web app)."""
    from voice_agent.core.errors import MissingDependencyError

    try:
        import fastapi  # noqa: F401
        import uvicorn

        if web:
            import gradio  # noqa: F401
    except ImportError as exc:
        raise MissingDependencyError(exc.name or "gradio", "web",
                                     "The web app and the HTTP API") from exc
    from voice_agent.service import Limits, build_service

    access = _access(args)
    limits = Limits(max_upload_bytes=int(args.max_upload_mb * 1024 * 1024))
    if getattr(args, "engine", "in-process") == "ray":
        return _serve_ray(args, access, limits)
    if any(getattr(args, flag, None) for flag in ("address", "replicas", "num_gpus")):
        from voice_agent.modes.cluster import ClusterFlagError

        raise ClusterFlagError("--address, --replicas and --num-gpus need --engine ray.")
    _progress("loading models…")
    from voice_agent.service.voices import default_speakers_dir

    config = None if args.fake else config_from_args(args)
    if config is not None:
        music.check_files(config.music)  # before any model loads
    service = build_service(config, args.out,
                            fake=args.fake, limits=limits,
                            speakers_dir=None if args.fake else default_speakers_dir())
    loaded = service.load()
    print("models loaded in " + ", ".join(f"{k} {v:.1f}s" for k, v in loaded.items())
          + (" (FAKE MODE: no models run)" if args.fake else ""))
    for stage, reason in service.pipeline.unavailable.items():
        print(f"not available: {stage}: {reason}")
    if web:
        from voice_agent.modes.web.app import create_web_app

        # the web recorder streams only when asked: Gradio's streaming microphone misses
        # a first click, and its pieces come every 0.5 s (docs/speed.md)
        stream = args.stream
        app = create_web_app(service, Path(args.bench_dir) if args.bench_dir else None,
                             access=access, ui_language=_ui(args), stream=stream)
        url = f"web app: http://{args.host}:{args.port}/   API docs: /docs"
    else:
        from voice_agent.modes.api import create_app

        app = create_app(service, access=access)
        url = f"API: http://{args.host}:{args.port}/api/   docs: http://{args.host}:{args.port}/docs"
    server = uvicorn.Server(uvicorn.Config(app, host=args.host, port=args.port,
                                           log_level="warning"))
    _announce_when_listening(server, url)
    server.run()
    return 0


def _serve_ray(args: argparse.Namespace, access, limits) -> int:
    """``serve --engine ray``: the stages as Ray Serve deployments behind the same API.

    Flags are checked, and Ray is imported, before anything starts; with no ``--address``
    a private Ray runs on loopback and is stopped again on Ctrl-C or SIGTERM.
    """
    import signal
    import threading

    from voice_agent.modes.cluster import ClusterOptions, parse_gpus, parse_replicas, require_ray
    from voice_agent.modes.cluster.options import check_address

    options = ClusterOptions(address=check_address(args.address),
                             scaling=parse_replicas(args.replicas),
                             num_gpus=parse_gpus(args.num_gpus), host=args.host,
                             port=args.port, shared_dir=Path(args.out))
    config = None if args.fake else config_from_args(args)
    if options.address is None:  # before Ray is imported: it reads these once
        from voice_agent.modes.cluster.local import private_ray_env

        private_ray_env()
    require_ray()
    from voice_agent.modes.cluster.app import IngressSettings, ingress_slots
    from voice_agent.modes.cluster.run import start
    from voice_agent.modes.cluster.stages import StageRecipe
    from voice_agent.service.voices import default_speakers_dir

    settings = IngressSettings(Path(args.out).resolve(), config, limits, access,
                               fake=args.fake, slots=ingress_slots(options),
                               speakers_dir=None if args.fake else default_speakers_dir())
    stop = threading.Event()
    # SIGTERM ends the wait like Ctrl-C does, so Ray is stopped on the way out
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    where = options.address or "a local Ray on 127.0.0.1"
    _progress(f"starting the Ray Serve deployments on {where} (models load in each replica)…")
    running = start(options, StageRecipe(config), settings)
    signal.signal(signal.SIGTERM, lambda *_: stop.set())  # again: ray.init installs its own
    try:
        print(f"API (Ray Serve engine): {running.url}/api/   docs: {running.url}/docs"
              + (" (FAKE MODE: no models run)" if args.fake else ""), flush=True)
        while not stop.wait(0.5):
            pass
    except KeyboardInterrupt:
        pass
    finally:
        _progress("stopping the Ray Serve deployments…")
        running.stop()
    return 0


def _announce_when_listening(server, url: str) -> None:
    """Print ``url`` the moment the server accepts connections, not before."""
    import threading
    import time

    def wait() -> None:
        while not server.started and not server.should_exit:
            time.sleep(0.05)
        if server.started:
            print(url, flush=True)

    threading.Thread(target=wait, name="announce-url", daemon=True).start()


def _access(args: argparse.Namespace):
    """Who may use the server; refuses (exit 2) a non-loopback address without a token."""
    from voice_agent.modes.guard import Access, bind_problem, is_loopback

    token = args.token or os.environ.get("VOICE_AGENT_TOKEN") or None
    problem = bind_problem(args.host, token)
    if problem:
        raise ServeRefused(problem)
    if not is_loopback(args.host):
        print(f"serving on {args.host}: anyone on the network who has the token can use the "
              "agent and delete clips; traffic is not encrypted (put it behind HTTPS).")
    return Access(args.host, token, tuple(args.allow_origin or ()),
                  tuple(args.allow_host or ()))


class ServeRefused(VoiceAgentError):
    """A server setting that would expose the agent (e.g. 0.0.0.0 without a token)."""

    kind = "config"


def cmd_web(args: argparse.Namespace) -> int:
    """The web app in a browser (and the HTTP API on the same port)."""
    return _serve(args, web=True)


def cmd_serve(args: argparse.Namespace) -> int:
    """The HTTP API only."""
    return _serve(args, web=False)


def _add_server_flags(parser: argparse.ArgumentParser, port: int) -> None:
    parser.add_argument("--host", default="127.0.0.1",
                        help="address to listen on (default 127.0.0.1: this machine only)")
    parser.add_argument("--port", type=int, default=port, help=f"port (default {port})")
    parser.add_argument("--out", default="out/server",
                        help="folder for each request's files and enrolled speakers "
                             "(default out/server)")
    parser.add_argument("--max-upload-mb", type=float, default=20.0,
                        help="largest upload accepted, in MiB (default 20)")
    parser.add_argument("--token", help="require this token (Bearer header on /api/, the "
                        "password at the web app's login); needed off loopback; default "
                        "$VOICE_AGENT_TOKEN")
    parser.add_argument("--allow-origin", action="append", metavar="ORIGIN",
                        help="also let web pages from ORIGIN (e.g. https://app.example) call "
                             "the API (CORS); repeatable; default same-origin only")
    parser.add_argument("--allow-host", action="append", metavar="NAME",
                        help="also answer to this Host name (e.g. behind a reverse proxy); "
                             "repeatable")
    parser.add_argument("--fake", action="store_true",
                        help="fake models (instant, made-up answers) for front-end development")
    _add_config_flags(parser)
    _add_ui_language(parser)


def _add_engine_flags(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--engine", choices=("in-process", "ray"), default="in-process",
                        help="where the models run: in this process (default), or each stage "
                             "as a Ray Serve deployment (needs the cluster extra; "
                             "docs/scaling.md)")
    parser.add_argument("--address", default=None,
                        help="with --engine ray: 'auto' or HOST:PORT of a running Ray cluster "
                             "(default: start a private one on 127.0.0.1, stopped on exit)")
    parser.add_argument("--replicas", default=None, metavar="STAGE=N,...",
                        help="with --engine ray: replicas per stage (asr, responder, music, "
                             "voice), N or MIN-MAX to autoscale, e.g. asr=2,music=1-3 "
                             "(default 1 each)")
    parser.add_argument("--num-gpus", default=None, metavar="STAGE=G,...",
                        help="with --engine ray: GPUs per replica of a stage, e.g. "
                             "music=1,voice=0.5 (default none)")


def cmd_train_lora(args: argparse.Namespace) -> int:
    """Train a LoRA adapter on MusicGen's decoder from captioned audio."""
    from voice_agent.workshop.lora import LoraSettings, TrainingEvent, train_lora

    settings = LoraSettings(rank=args.rank, alpha=args.alpha, dropout=args.dropout, lr=args.lr,
                            epochs=args.epochs, batch_size=args.batch_size,
                            max_seconds=args.max_seconds,
                            validation_fraction=args.validation_fraction, seed=args.seed,
                            device=args.device)

    def show(event: TrainingEvent) -> None:
        if event.kind == "encode" and (event.done == event.total or event.done % 10 == 0):
            _progress(f"encoded {event.done}/{event.total} clips")
        elif event.kind == "epoch" and event.epoch:
            e = event.epoch
            _progress(f"epoch {e.epoch}/{event.total}: train loss {e.train_loss:.4f}, "
                      f"validation loss {e.validation_loss:.4f} ({e.seconds:.1f} s; {e.steps} "
                      f"steps, {e.step_seconds / e.steps:.2f} s and "
                      f"{e.step_cpu_seconds / e.steps:.2f} CPU s a step)")
        elif event.kind == "note":
            _progress(event.message)

    result = train_lora(args.data, args.base, args.out, settings, resume=args.resume,
                        cache_dir=args.cache_dir, on_event=show)
    for row in result.skipped:
        print(f"skipped line {row.line} ({row.audio or 'no audio'}): {row.reason}")
    print(f"{result.train_clips} clips trained on, {result.validation_clips} held out, "
          f"{len(result.skipped)} skipped; {result.encoded} encoded, {result.cached} from "
          "the codes cache")
    first, last = result.epochs[0], result.epochs[-1]
    print(f"validation loss {result.initial_validation_loss:.4f} before training, "
          f"{first.validation_loss:.4f} after epoch {first.epoch}, "
          f"{last.validation_loss:.4f} after epoch {last.epoch}")
    print(f"adapter: {result.adapter_dir}  (use it with --lora {result.adapter_dir})")
    print(f"wrote {result.record_path} and {result.curve_path}")
    return 0


def _add_train_lora_parser(sub) -> None:
    from voice_agent.workshop.lora import LoraSettings

    d = LoraSettings()
    train = sub.add_parser(
        "train-lora", help="fine-tune MusicGen's decoder with LoRA on captioned audio",
        description="Train a PEFT LoRA adapter on a MusicGen checkpoint's decoder from a "
                    "JSON-lines file of audio paths and captions (what 'voice-agent caption' "
                    "writes). The output folder is a standard PEFT adapter, with "
                    "training.json and loss_curve.png; use it with --lora.")
    train.add_argument("--data", required=True, help="JSON lines: audio, caption (and "
                                                     "features, error) a line")
    train.add_argument("--base", required=True, help="MusicGen checkpoint folder")
    train.add_argument("--out", required=True, help="adapter folder to write")
    train.add_argument("--rank", type=_ranged(int, 1, 512, "rank"), default=d.rank,
                       help=f"LoRA rank (default {d.rank})")
    train.add_argument("--alpha", type=float, default=d.alpha,
                       help=f"LoRA alpha: the update is scaled by alpha/rank (default {d.alpha:g})")
    train.add_argument("--dropout", type=float, default=d.dropout,
                       help=f"LoRA dropout (default {d.dropout:g})")
    train.add_argument("--lr", type=float, default=d.lr, help=f"learning rate (default {d.lr:g})")
    train.add_argument("--epochs", type=_ranged(int, 1, 100000, "number of epochs"),
                       default=d.epochs, help=f"epochs in all, resumed ones included "
                                              f"(default {d.epochs})")
    train.add_argument("--batch-size", type=_ranged(int, 1, 4096, "batch size"),
                       default=d.batch_size, help=f"clips per step (default {d.batch_size})")
    train.add_argument("--max-seconds", type=_ranged(float, 0.01, 600, "length in seconds"),
                       default=d.max_seconds,
                       help=f"use each clip's first N seconds (default {d.max_seconds:g})")
    train.add_argument("--validation-fraction", type=_ranged(float, 0.01, 0.9, "fraction"),
                       default=d.validation_fraction,
                       help=f"share of clips held out (default {d.validation_fraction:g})")
    train.add_argument("--seed", type=_seed, default=d.seed, help="split, order and "
                                                                  "initialisation seed")
    train.add_argument("--resume", action="store_true",
                       help="continue the run checkpointed in --out")
    train.add_argument("--device", default=d.device, help="torch device (default cpu)")
    train.add_argument("--cache-dir", help="where encoded audio is kept (default "
                                           "$VOICE_AGENT_HOME/cache/lora-codes)")
    _add_verbose(train)
    _add_ui_language(train)
    train.set_defaults(func=cmd_train_lora)


def cmd_library(args: argparse.Namespace) -> int:
    """``voice-agent library list|play|export|delete``."""
    from voice_agent.library.cli import run

    lines, code = run(args, _ask_yes, _ui(args))
    for line in lines:
        print(line)
    return code


def _ask_yes(prompt: str) -> bool:
    """A yes typed at the terminal; False when there is no terminal (use --yes)."""
    if not sys.stdin.isatty():
        return False
    return input(prompt).strip().lower() in ("y", "yes", "s", "si", "sí")


def _ui(args: argparse.Namespace) -> str:
    """The interface language: --ui-language, else the locale's."""
    return resolve_language(getattr(args, "ui_language", None))


def build_parser(lang: str | None = None) -> argparse.ArgumentParser:
    """The argument parser for every subcommand."""
    parser = _Parser(prog="voice-agent", description=t("cli.description", resolve_language(lang)))
    parser.add_argument("--version", action="version", version=f"voice-agent {__version__}")
    _add_ui_language(parser, top=True)
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    language_help = "language of the request (default auto: detected from the speech)"

    run = sub.add_parser("run", help="headless: one request file in, results folder out",
                         description="One request (a recording or --text) in, a folder of "
                                     "results out: transcript, reply, music, spoken replies.")
    run.add_argument("request", nargs="?", help="spoken request (WAV, FLAC, OGG, MP3, M4A...)")
    run.add_argument("--text", help="typed request instead of audio")
    run.add_argument("--out", default="out", help="output folder (default: out)")
    run.add_argument("--language", default="auto", choices=["auto", "en", "es"],
                     help=language_help)
    run.add_argument("--reference", help="held-out recording of the --speaker voice, for "
                                          "the similarity score")
    run.add_argument("--max-audio-s", type=float, default=60.0,
                     help="longest request accepted, in seconds (default 60, as the server)")
    run.add_argument("--compare", dest="compare", action="store_true", default=False,
                     help="also score the voices (similarity, round-trip WER; a few seconds)")
    run.add_argument("--no-compare", dest="compare", action="store_false",
                     help="do not score the voices (the default)")
    run.add_argument("--session", help="continue the conversation kept under this name in "
                                        "the clip library (a new name starts one): 'faster', "
                                        "'undo', 'play version 2' refer to its earlier turns")
    _add_plan_flags(run)
    _add_config_flags(run)
    _add_ui_language(run)
    run.set_defaults(func=cmd_run)

    talk = sub.add_parser("talk", help="push-to-talk desktop session (microphone and speakers)",
                          description="Talk to the agent from the terminal: space to talk, "
                                      "t to type, r to replay, w to save, q to quit.")
    talk.add_argument("--list-devices", action="store_true", help="list sound devices and exit")
    talk.add_argument("--input-device", help="microphone: index or part of its name")
    talk.add_argument("--output-device", help="speakers: index or part of its name")
    talk.add_argument("--text-only", action="store_true",
                      help="no microphone: type the requests (space or t to type)")
    talk.add_argument("--out", default="sessions",
                      help="folder for the session folders (default: sessions)")
    talk.add_argument("--language", default="auto", choices=["auto", "en", "es"],
                      help=language_help)
    talk.add_argument("--voice", default="cloned", choices=["cloned", "base"],
                      help="voice to play (v switches during the session)")
    talk.add_argument("--save-dir", help="where w copies the last clip (default: "
                                         "SESSION/saved)")
    talk.add_argument("--no-hold", action="store_true",
                      help="toggle only: do not treat a held talk key as hold-to-talk")
    talk.add_argument("--session", help="continue this stored conversation (default: a new "
                                        "one named after the session folder)")
    _add_config_flags(talk)
    _add_ui_language(talk)
    talk.set_defaults(func=cmd_talk)

    enrol = sub.add_parser("enrol", help="check a 10-15 s speaker recording and build its voice",
                           description="Build a cloned voice from 10-15 s of one person "
                                       "speaking (a few minutes once; then cached). With "
                                       "--name, it is kept under that name for --speaker NAME.")
    enrol.add_argument("speaker_wav", nargs="?", help="recording (default: the bundled speaker)")
    enrol.add_argument("--name", help="keep the speaker under this name (e.g. Ana)")
    enrol.add_argument("--speakers-dir", help="where named speakers live (default "
                                              "$VOICE_AGENT_HOME/speakers)")
    _add_verbose(enrol)
    _add_ui_language(enrol)
    enrol.set_defaults(func=cmd_enrol)

    speakers = sub.add_parser("speakers", help="the named speakers: list, rename, delete")
    speakers.add_argument("--speakers-dir", help="where named speakers live (default "
                                                 "$VOICE_AGENT_HOME/speakers)")
    _add_verbose(speakers)
    _add_ui_language(speakers)
    actions = speakers.add_subparsers(dest="action", required=True, metavar="ACTION")
    actions.add_parser("list", help="every enrolled speaker: name, id, recording")
    rename = actions.add_parser("rename", help="give a speaker a new name")
    rename.add_argument("speaker", help="its current name or id")
    rename.add_argument("new_name")
    delete = actions.add_parser("delete", help="delete a speaker and its recording")
    delete.add_argument("speaker", help="its name or id")
    delete.add_argument("--yes", action="store_true", help="do not ask to confirm")
    speakers.set_defaults(func=cmd_speakers)

    bench = sub.add_parser("bench", help="latency benchmark: full turns over shipped spoken "
                                         "requests; bench.json, bench.md and bench.png")
    bench.add_argument("--runs", type=int, default=1, help="passes over the requests (default 1)")
    bench.add_argument("--out", default=None, help="report folder (default benchmarks/results/bench)")
    bench.add_argument("--requests", default=None,
                       help="folder with requests.tsv and WAVs (default benchmarks/requests)")
    bench.add_argument("--limit", type=int, default=None,
                       help="use only the first N requests (English and Spanish alternate)")
    bench.add_argument("--reference", help="held-out recording of the --speaker voice")
    bench.add_argument("--no-compare", action="store_true", help="skip the voice comparison")
    bench.add_argument("--no-progress", action="store_true", help="no progress bar")
    bench.add_argument("--stream", action="store_true",
                       help="feed each request in real time and recognise it while it is "
                            "fed (the default, from [asr] streaming = true)")
    bench.add_argument("--isa", choices=("native", "avx2"), default="native",
                       help="avx2: hold each runtime that has a switch to AVX2 code paths (an "
                            "approximation of an AVX2-only CPU; bench.json says which were)")
    bench.add_argument("--no-stream", action="store_true",
                       help="transcribe each request after it ends, without streaming "
                            "(comparable with figures from before streaming)")
    _add_model_flags(bench)
    bench.set_defaults(func=cmd_bench)

    caption = sub.add_parser("caption", help="caption audio files into a training dataset "
                                             "(JSON lines: audio, caption, features, error)",
                             description="Measure each audio file (tempo, key, loudness, "
                                         "brightness, onsets; CLAP tags with --clap-model) "
                                         "and write a one-sentence caption the measurements "
                                         "support. Files already in --out are skipped.")
    caption.add_argument("paths", nargs="+", metavar="PATH", help="audio files or folders")
    caption.add_argument("--out", required=True, help="the dataset (JSON lines), appended to")
    caption.add_argument("--clap-model", help="local CLAP folder for genre, mood and "
                                              "instrument tags")
    caption.add_argument("--language", default="en", choices=["en", "es"],
                         help="language of the captions (default en)")
    caption.add_argument("--no-llm", action="store_true",
                         help="template captions only (no language model)")
    caption.add_argument("--llm-model", help="LLM weights: GGUF file or transformers folder")
    caption.add_argument("--no-progress", action="store_true", help="no progress bar")
    _add_backend_flags(caption)
    caption.set_defaults(func=cmd_caption)

    web = sub.add_parser("web", help="the web app (Gradio) and the HTTP API, on localhost")
    _add_server_flags(web, 7860)
    web.add_argument("--bench-dir", default=None,
                     help="where the Benchmark tab reads `voice-agent bench` results (default: "
                          "the newest of benchmarks/results/bench here and the shipped one)")
    web.add_argument("--stream", action="store_true",
                     help="recognise the Talk tab's microphone while the person speaks and "
                          "show the words live (off by default: Gradio's streaming "
                          "microphone misses a first click)")
    web.set_defaults(func=cmd_web)

    serve = sub.add_parser("serve", help="the HTTP API (FastAPI, OpenAPI docs at /docs)")
    _add_server_flags(serve, 8000)
    _add_engine_flags(serve)
    serve.set_defaults(func=cmd_serve)

    models = sub.add_parser("models", help="list models, weights, checksums and licences")
    models.add_argument("--prepare", action="store_true", help="join and check weights now")
    _add_backend_flags(models)
    models.set_defaults(func=cmd_models)

    from voice_agent.library.cli import add_library_parser

    add_library_parser(sub, cmd_library)
    _add_train_lora_parser(sub)
    return parser


def _quiet_broken_pipe() -> None:
    """The reader of our output went away (``| head``): drop what is left, no traceback."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):  # stdout is not a real file (captured in tests)
        pass


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``voice-agent`` console script."""
    args = build_parser().parse_args(argv)
    return guarded(args, lambda: args.func(args))


def guarded(args: argparse.Namespace, command: Callable[[], int]) -> int:
    """Set up logging for ``args`` and run ``command``: a VoiceAgentError becomes one line
    on stderr and exit code 2."""
    level = logging.WARNING - 10 * min(args.verbose, 2)
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s")
    try:
        code = command()
        sys.stdout.flush()  # a closed pipe shows up here, while we can still handle it
        return code
    except BrokenPipeError:
        _quiet_broken_pipe()
        return 141  # what a shell reports for a command ended by SIGPIPE (128 + 13)
    except VoiceAgentError as exc:
        print(t("cli.error", _ui(args), message=exc.localized(_ui(args))), file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
