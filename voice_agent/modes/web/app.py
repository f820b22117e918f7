"""The web app (Gradio): the agent in a browser, on the same service as the HTTP API.

``voice-agent web`` builds one :class:`~voice_agent.service.AgentService`, the FastAPI app
of :mod:`voice_agent.modes.api` around it, and mounts this Gradio app at ``/`` of the same
server: one process, one port, one loaded set of models behind one lock, so a browser and
a program calling ``/api/...`` queue for the same models and never clash. (Running Gradio
as a separate server would load the models twice, or need the UI to call the API over
HTTP; mounting needs neither.)

Tabs: **Talk** (record or upload a spoken request; transcript, reply, music prompt and
plan appear as each stage finishes; the cloned reply, the base reply and the music play;
per-stage timings), **Compose** (a typed prompt to music, with duration, seed, genre,
tempo, key and mode overrides; regenerate without the language model; WAV and MIDI
downloads), **Voices** (check and enrol a speaker recording with progress; A/B the cloned
and base voice with similarity figures), **Library** and **Benchmark**.

Every handler turns an error into a message on the page (and a toast); none raises.

Safe to serve (see docs/server.md): a file input is read only when Gradio received it as
an upload (:func:`~voice_agent.modes.web.common.uploaded`, and Gradio's own check, which
it skips for a mounted app unless told it has launched); what the page plays or offers
for download is a copy in one folder of published files, the only folder Gradio may
serve, so the library database, the request folders and the speaker recordings never
are; messages carry no server paths; deleting a clip needs its confirmation box ticked.
"""

from __future__ import annotations

import logging
import os
import queue
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")  # offline: no telemetry calls

import gradio as gr  # noqa: E402

from voice_agent.core.audio import to_int16  # noqa: E402
from voice_agent.core.errors import VoiceAgentError  # noqa: E402
from voice_agent.core.plan import PITCH_CLASSES, plan_to_dict  # noqa: E402
from voice_agent.core.events import (EVENT_MUSIC_READY, EVENT_REPLY,  # noqa: E402
                                EVENT_SPEECH_CHUNK, EVENT_STAGE_FAILED, EVENT_STAGE_FINISHED,
                                EVENT_STAGE_STARTED, EVENT_TRANSCRIPT, TurnEvent)
from voice_agent.music.styles import RECIPES  # noqa: E402
from voice_agent.pipeline.turns import SPEECH_STAGE_PREFIX  # noqa: E402
from voice_agent.modes.guard import Access  # noqa: E402
from voice_agent.modes.web.common import (Published, failure_message, message,  # noqa: E402
                                          uploaded)
from voice_agent.service import (DEFAULT_SPEAKER, AgentService, ComposeOptions,  # noqa: E402
                                 ComposeResult, TurnResult)
from voice_agent.core.types import Audio, MusicPlan  # noqa: E402
from voice_agent.speech.streaming import join_sentences  # noqa: E402

log = logging.getLogger(__name__)

AUTO = "from the prompt"
DEFAULT_BENCH_DIR = Path("benchmarks/results/bench")
STAGE_WORDS = {"asr": "Listening", "llm": "Thinking of a reply and a plan",
               "music": "Composing the music", "tts_cloned": "Speaking in the cloned voice",
               "tts_base": "Speaking in the base voice"}
AB_SENTENCES = {"en": "Here is a gentle jazz piece with piano and soft drums. I hope you like it.",
                "es": "Aquí tienes una pieza de jazz suave con piano. Espero que te guste."}
_DONE = object()
#: Output players are the browser's own <audio> elements (src = the file), not a waveform.
PLAYER = gr.WaveformOptions(show_recording_waveform=False)


def timings_table(timings: dict[str, float]) -> str:
    """Per-stage seconds as a Markdown table."""
    if not timings:
        return ""
    rows = "\n".join(f"| {stage} | {seconds:.2f} |" for stage, seconds in timings.items())
    return "| stage | seconds |\n|---|---:|\n" + rows


def _toast(text: str) -> None:
    """Also show ``text`` as a toast (outside a Gradio event there is no page: skip)."""
    try:
        gr.Warning(text)
    except Exception:  # noqa: BLE001 - a toast is a nicety, the status line has the message
        pass


class WebActions:
    """What each button does, as plain methods of the service (testable without a browser).

    Each returns or yields dicts of output name -> value; :func:`build_ui` maps the
    names to components.
    """

    def __init__(self, service: AgentService, bench_dir: Path = DEFAULT_BENCH_DIR,
                 publish: Published | None = None) -> None:
        self.service = service
        self.bench_dir = Path(bench_dir)
        self.publish = publish or Published(service.store.root.parent / "web-files")

    # -- Talk ---------------------------------------------------------------------------

    def talk(self, audio_path: str | None, speaker: str, language: str,
             session: str | None) -> Iterator[dict[str, Any]]:
        """Run a spoken turn, yielding what is known as each stage finishes."""
        session = session or uuid.uuid4().hex
        if not audio_path:
            yield {"status": message("Record or upload a spoken request first.", "error"),
                   "session": session}
            return
        try:
            path = uploaded(audio_path)
            self.service.check_size(path.stat().st_size)
            audio = self.service.decode_request(path.read_bytes(), path.name)
        except Exception as exc:  # noqa: BLE001 - shown on the page
            yield {"status": failure_message(exc), "session": session}
            return
        yield {"status": message("Waiting for the models…", "busy"), "session": session,
               **self._cleared_talk()}
        yield from self._run_turn(audio, Path(audio_path).name, speaker, language, session)

    @staticmethod
    def _cleared_talk() -> dict[str, Any]:
        return {"transcript": "", "reply": "", "music_prompt": "", "plan": None,
                "cloned": None, "base": None, "music": None, "timings": ""}

    def _run_turn(self, audio, name: str, speaker: str, language: str,
                  session: str) -> Iterator[dict[str, Any]]:
        events: queue.Queue[Any] = queue.Queue()
        outcome: dict[str, Any] = {}

        def work() -> None:
            try:
                outcome["result"] = self.service.turn(
                    audio, request=name, language=None if language == "auto" else language,
                    speaker_id=speaker or DEFAULT_SPEAKER, session=session, on_event=events.put)
            except Exception as exc:  # noqa: BLE001 - handed to the page below
                outcome["error"] = exc
            finally:
                events.put(_DONE)

        threading.Thread(target=work, name="web-turn", daemon=True).start()
        early = EarlyAudio()
        while (event := events.get()) is not _DONE:
            update = {**(self._event_update(event) or {}), **(early.update(event) or {})}
            if update:
                yield update
        if "error" in outcome:
            yield {"status": failure_message(outcome["error"])}
            return
        final = self._turn_update(outcome["result"], self.publish)
        yield {name: value for name, value in final.items() if name not in early.shown}

    @staticmethod
    def _event_update(event: TurnEvent) -> dict[str, Any] | None:
        """What one pipeline event changes on the page."""
        if event.kind == EVENT_STAGE_STARTED:
            words = STAGE_WORDS.get(event.stage, event.stage)
            return {"status": message(f"{words}… ({event.elapsed_s:.1f} s)", "busy")}
        if event.kind == EVENT_TRANSCRIPT:
            return {"transcript": f"({event.data.language}) {event.text}"}
        if event.kind == EVENT_REPLY:
            reply = event.data
            return {"reply": reply.say, "music_prompt": reply.music_prompt,
                    "plan": plan_to_dict(reply.plan) if reply.plan else None}
        if event.kind == EVENT_STAGE_FAILED:
            return {"status": message(f"{event.stage}: {event.text}", "error")}
        if event.kind == EVENT_MUSIC_READY:
            return {"status": message("The music is ready; finishing the spoken reply…", "busy")}
        return None

    @staticmethod
    def _turn_update(result: TurnResult, publish: Published) -> dict[str, Any]:
        record = result.record
        turn = result.turn
        update: dict[str, Any] = {name: publish(result.path(name))
                                  for name in ("music", "reply_cloned", "reply_base")}
        update = {"music": update["music"], "cloned": update["reply_cloned"],
                  "base": update["reply_base"], "timings": timings_table(record["timings"])}
        if turn.transcript is not None:
            update["transcript"] = f"({turn.transcript.language}) {turn.transcript.text}"
        if turn.reply is not None:
            update.update(reply=turn.reply.say, music_prompt=turn.reply.music_prompt,
                          plan=record["reply"]["plan"])
        problems = [f"{e['stage']}: {e['message']}" for e in record["errors"]]
        if problems:
            _toast(problems[0])
            update["status"] = message(" · ".join(problems), "error")
        else:
            update["status"] = message(f"Finished in {record['timings']['total']:.1f} s "
                                       f"(request {result.request_id}).", "ok")
        return update

    # -- Compose --------------------------------------------------------------------------

    def compose(self, prompt: str, language: str, duration_s: float, seed: float, genre: str,
                bpm: float, key: str, mode: str) -> dict[str, Any]:
        """Prompt -> improved prompt, plan and clip, with the overrides applied."""
        options = compose_options(duration_s, seed, genre, bpm, key, mode)
        try:
            result = self.service.compose(prompt, options, None if language == "auto" else language)
        except Exception as exc:  # noqa: BLE001 - shown on the page
            return {"status": failure_message(exc)}
        return self._compose_update(result, publish=self.publish)

    def recompose(self, last: dict[str, Any] | None, duration_s: float, seed: float, genre: str,
                  bpm: float, key: str, mode: str) -> dict[str, Any]:
        """Render the last plan again with the current overrides (no language model)."""
        if not last:
            return {"status": message("Generate something first; Regenerate re-renders it "
                                      "with the current settings.", "error")}
        plan = MusicPlan(**{**last["plan"], "instruments": tuple(last["plan"]["instruments"])})
        options = compose_options(duration_s, seed, genre, bpm, key, mode)
        try:
            result = self.service.recompose(plan, options, last["prompt"])
        except Exception as exc:  # noqa: BLE001 - shown on the page
            return {"status": failure_message(exc)}
        return self._compose_update(result, last["say"], self.publish)

    @staticmethod
    def _compose_update(result: ComposeResult, say: str = "",
                        publish: Published | None = None) -> dict[str, Any]:
        plan = plan_to_dict(result.plan)
        midi = str(result.midi_path) if result.midi_path else None
        wav = publish(result.wav_path) if publish else str(result.wav_path)
        return {"status": message(f"Rendered {result.clip.audio.duration_s:.1f} s "
                                  f"(request {result.request_id}).", "ok"),
                "improved_prompt": result.improved_prompt,
                "say": result.reply.say if result.reply else say, "plan": plan,
                "audio": wav, "wav_file": wav,
                "midi_file": publish(midi) if publish and midi else midi,
                "timings": timings_table(result.timings),
                "last": {"plan": plan, "prompt": result.prompt,
                         "say": result.reply.say if result.reply else say,
                         "improved_prompt": result.improved_prompt, "wav": str(result.wav_path),
                         "midi": midi, "backend": result.clip.backend,
                         "language": result.reply.language if result.reply else ""}}

    # -- Voices ---------------------------------------------------------------------------

    def check_speaker(self, path: str | None) -> str:
        """Validate a speaker recording at once, before the long enrolment."""
        if not path:
            return message("Upload or record 10–15 s of one person speaking.")
        try:
            upload = uploaded(path)
            self.service.check_recording(upload, upload.name)
            clip = self.service.voices.check(upload)
        except Exception as exc:  # noqa: BLE001 - shown on the page
            return failure_message(exc)
        notes = "".join(f"\n- {w}" for w in clip.warnings)
        return message(f"Usable: {clip.duration_s:.1f} s, {clip.speech_s:.1f} s of speech. "
                       f"Press Enrol.{notes}", "ok")

    def enrol(self, path: str | None) -> dict[str, Any]:
        """Enrol the recording (progress comes from the enrolment's own progress bar)."""
        if not path:
            return {"voice_status": message("Upload or record a speaker first.", "error")}
        try:
            upload = uploaded(path)
            info = self.service.enrol(upload, upload.name)
        except Exception as exc:  # noqa: BLE001 - shown on the page
            return {"voice_status": failure_message(exc)}
        state = "already enrolled" if info.cache_hit else "enrolled"
        score = f"; enrolment score {info.enrolment_score:.3f}" if info.enrolment_score else ""
        notes = "".join(f"\n- {w}" for w in info.warnings)
        return {"voice_status": message(f"Speaker {info.speaker_id} {state} "
                                        f"({info.duration_s:.1f} s{score}).{notes}", "ok"),
                "speakers": self.speaker_choices(), "speaker": info.speaker_id}

    def speaker_choices(self) -> list[str]:
        """"default" (the configured speaker) and every enrolled one."""
        return [DEFAULT_SPEAKER, *self.service.voices.speaker_ids()]

    def compare(self, speaker: str, text: str, language: str,
                reference: str | None) -> dict[str, Any]:
        """A/B: the same sentence in the cloned and the base voice, with similarity figures."""
        text = text or AB_SENTENCES.get(language, AB_SENTENCES["en"])
        try:
            report = self.service.compare_voices(speaker or DEFAULT_SPEAKER, text, language,
                                                 uploaded(reference) if reference else None)
        except Exception as exc:  # noqa: BLE001 - shown on the page
            return {"ab_status": failure_message(exc)}
        voices = report["voices"]
        paths = {v: self.publish(self.service.audio_path(s["audio_id"]))
                 for v, s in voices.items()}
        return {"ab_status": message(ab_summary(report), "ok"),
                "ab_cloned": paths.get("cloned"), "ab_base": paths.get("base"),
                "ab_table": ab_table(report)}

    # -- Benchmark ------------------------------------------------------------------------

    def benchmark(self) -> dict[str, Any]:
        """The latest ``voice-agent bench`` results: its table and its chart."""
        table, chart = self.bench_dir / "bench.md", self.bench_dir / "bench.png"
        if not table.is_file():
            return {"bench_md": message(f"No benchmark results yet in `{self.bench_dir.name}`. Run "
                                        f"`voice-agent bench --out {self.bench_dir}` to make "
                                        "them, then press Reload."),
                    "bench_png": None}
        return {"bench_md": table.read_text(encoding="utf-8"),
                "bench_png": str(chart) if chart.is_file() else None}


def compose_options(duration_s: float, seed: float, genre: str, bpm: float, key: str,
                    mode: str) -> ComposeOptions:
    """The Compose tab's controls as overrides (0, -1 or "from the prompt": no override)."""
    return ComposeOptions(duration_s=float(duration_s) if duration_s else None,
                          seed=int(seed) if seed is not None and seed >= 0 else None,
                          genre=None if genre in (AUTO, "", None) else genre,
                          bpm=int(bpm) if bpm else None,
                          key=None if key in (AUTO, "", None) else key,
                          mode=None if mode in (AUTO, "", None) else mode)


def ab_summary(report: dict[str, Any]) -> str:
    """Which reference the similarities were measured against."""
    held = "a held-out recording" if report["reference_is_held_out"] else \
        "the enrolment recording itself (upload a different recording of the same person " \
        "for an honest figure)"
    fake = " FAKE MODE: made-up scores." if report.get("fake") else ""
    return f"Similarity to {report['reference']}, {held}.{fake}"


def ab_table(report: dict[str, Any]) -> str:
    """The A/B figures as a Markdown table."""
    rows = "\n".join(f"| {voice} | {s['similarity']:.3f} | {s['round_trip_wer']:.2f} | "
                     f"{s['heard']} |" for voice, s in report["voices"].items())
    return ("| voice | similarity to the speaker | round-trip WER | heard back |\n"
            "|---|---:|---:|---|\n" + rows)


class EarlyAudio:
    """Audio the Talk page can play before the turn is over.

    The cloned reply as soon as that voice has finished speaking (the turn still has the
    base voice, scoring and storing to do) and the music as soon as it is rendered, as
    (rate, int16 samples) values. The turn's files hold the same audio; a player already
    filled is not filled again at the end, which would start it playing a second time.
    """

    def __init__(self) -> None:
        self.chunks: dict[str, list[Audio]] = {}
        self.shown: set[str] = set()

    def update(self, event: TurnEvent) -> dict[str, Any] | None:
        """What ``event`` makes playable now (player name -> value), or None."""
        if event.kind == EVENT_SPEECH_CHUNK and event.audio is not None:
            self.chunks.setdefault(event.voice, []).append(event.audio)
        elif event.kind == EVENT_STAGE_FINISHED and event.stage.startswith(SPEECH_STAGE_PREFIX):
            voice = event.stage.removeprefix(SPEECH_STAGE_PREFIX)
            if voice in ("cloned", "base") and self.chunks.get(voice):
                return self._show(voice, join_sentences(self.chunks[voice]))
        elif event.kind == EVENT_MUSIC_READY and event.audio is not None:
            return self._show("music", event.audio)
        return None

    def _show(self, player: str, audio: Audio) -> dict[str, Any]:
        self.shown.add(player)
        return {player: (audio.rate, to_int16(audio))}


def _bind(outputs: dict[str, Any]):
    """Wrap an action returning name->value dicts so Gradio gets component->value dicts."""
    def to_components(update: dict[str, Any]) -> dict[Any, Any]:
        return {outputs[name]: value for name, value in update.items() if name in outputs}
    return to_components


def _talk_tab(actions: WebActions) -> gr.Dropdown:
    """The Talk tab; returns its speaker choice, which the Voices tab updates."""
    session = gr.State(None)
    with gr.Row():
        with gr.Column(scale=1):
            request = gr.Audio(sources=["microphone", "upload"], type="filepath",
                               label="Your request: press record, speak, press stop (or upload)",
                               elem_id="talk-input")
            with gr.Row():
                language = gr.Radio(["auto", "en", "es"], value="auto", label="Language")
                speakers = gr.Dropdown(actions.speaker_choices(), value=DEFAULT_SPEAKER,
                                       label="Cloned voice of", elem_id="talk-speaker")
            send = gr.Button("Send", variant="primary", elem_id="talk-send")
            status = gr.Markdown(message("Say what music you want, e.g. “relaxing jazz with "
                                         "piano” or “una cumbia alegre”."), elem_id="talk-status")
        with gr.Column(scale=2):
            transcript = gr.Textbox(label="I heard", elem_id="talk-transcript")
            reply = gr.Textbox(label="Reply", elem_id="talk-reply")
            music_prompt = gr.Textbox(label="Music prompt", elem_id="talk-prompt")
            plan = gr.JSON(label="Plan", elem_id="talk-plan")
    with gr.Row():
        cloned = gr.Audio(label="Reply, cloned voice", autoplay=True, elem_id="talk-cloned",
                          waveform_options=PLAYER)
        base = gr.Audio(label="Reply, base voice", elem_id="talk-base",
                        waveform_options=PLAYER)
        music = gr.Audio(label="Music", elem_id="talk-music",
                         waveform_options=PLAYER)
    timings = gr.Markdown(elem_id="talk-timings")
    outputs = dict(status=status, transcript=transcript, reply=reply, music_prompt=music_prompt,
                   plan=plan, cloned=cloned, base=base, music=music, timings=timings,
                   session=session)
    bind = _bind(outputs)

    def run(path, speaker, lang, state):
        for update in actions.talk(path, speaker, lang, state):
            yield bind(update)

    send.click(run, [request, speakers, language, session], list(outputs.values()),
               api_name="talk")
    request.stop_recording(run, [request, speakers, language, session], list(outputs.values()),
                           api_name=False)
    return speakers


def _compose_tab(actions: WebActions, library: Any) -> None:
    last = gr.State(None)
    with gr.Row():
        with gr.Column(scale=1):
            prompt = gr.Textbox(label="Describe the music", lines=2, elem_id="compose-prompt",
                                placeholder="relaxing jazz with piano · un tango dramático")
            language = gr.Radio(["auto", "en", "es"], value="auto", label="Language")
            duration = gr.Slider(0, 60, value=0, step=1, label="Duration (s); 0 = from the prompt",
                                 elem_id="compose-duration")
            seed = gr.Slider(-1, 9999, value=-1, step=1, label="Seed; -1 = from the prompt",
                             elem_id="compose-seed")
            with gr.Accordion("Overrides", open=False):
                genre = gr.Dropdown([AUTO, *sorted(RECIPES)], value=AUTO, label="Genre")
                bpm = gr.Slider(0, 220, value=0, step=1, label="Tempo (bpm); 0 = from the prompt")
                key = gr.Dropdown([AUTO, *PITCH_CLASSES], value=AUTO, label="Key")
                mode = gr.Radio([AUTO, "major", "minor"], value=AUTO, label="Mode")
            with gr.Row():
                generate = gr.Button("Generate", variant="primary", elem_id="compose-generate")
                regenerate = gr.Button("Regenerate", elem_id="compose-regenerate")
            status = gr.Markdown(elem_id="compose-status")
        with gr.Column(scale=1):
            improved = gr.Textbox(label="Improved prompt", elem_id="compose-improved")
            say = gr.Textbox(label="Reply", elem_id="compose-say")
            audio = gr.Audio(label="Music", elem_id="compose-audio",
                             waveform_options=PLAYER)
            with gr.Row():
                wav_file = gr.DownloadButton("Download WAV", elem_id="compose-wav")
                midi_file = gr.DownloadButton("Download MIDI", elem_id="compose-midi")
                keep = gr.Button("Save to library", elem_id="compose-save",
                                 visible=library is not None)
            plan = gr.JSON(label="Plan as rendered", elem_id="compose-plan")
            timings = gr.Markdown(elem_id="compose-timings")
    outputs = dict(status=status, improved_prompt=improved, say=say, plan=plan, audio=audio,
                   wav_file=wav_file, midi_file=midi_file, timings=timings, last=last)
    bind = _bind(outputs)
    controls = [duration, seed, genre, bpm, key, mode]
    generate.click(lambda *a: bind(actions.compose(*a)), [prompt, language, *controls],
                   list(outputs.values()))
    prompt.submit(lambda *a: bind(actions.compose(*a)), [prompt, language, *controls],
                  list(outputs.values()))
    regenerate.click(lambda *a: bind(actions.recompose(*a)), [last, *controls],
                     list(outputs.values()))
    if library is not None:
        from voice_agent.modes.web.library import LibraryActions, guarded

        keep.click(guarded(LibraryActions(library, actions.publish).save_composed,
                           {"status": status}), last, status)


def _voices_tab(actions: WebActions, talk_speakers: gr.Dropdown) -> None:
    gr.Markdown("Enrol a speaker to hear the replies in their voice: 10–15 s of one person "
                "speaking clearly in a quiet room. Enrolment searches for the closest voice "
                "(about a minute per recording on two CPU cores, once; then it is cached).")
    with gr.Row():
        with gr.Column():
            recording = gr.Audio(sources=["upload", "microphone"], type="filepath",
                                 label="Speaker recording (10–15 s)", elem_id="voice-input")
            enrol = gr.Button("Enrol", variant="primary", elem_id="voice-enrol")
            voice_status = gr.Markdown(actions.check_speaker(None), elem_id="voice-status")
        with gr.Column():
            speaker = gr.Dropdown(actions.speaker_choices(), value=DEFAULT_SPEAKER,
                                  label="Speaker to compare", elem_id="voice-speaker")
            reference = gr.Audio(sources=["upload"], type="filepath",
                                 label="Optional: another recording of the same person "
                                       "(held out, for an honest similarity)")
            language = gr.Radio(["en", "es"], value="en", label="Language")
            text = gr.Textbox(label="Sentence to speak", value=AB_SENTENCES["en"])
            compare = gr.Button("Compare cloned and base voice", elem_id="voice-compare")
    ab_status = gr.Markdown(elem_id="voice-ab-status")
    with gr.Row():
        ab_cloned = gr.Audio(label="A: cloned voice", elem_id="voice-ab-cloned",
                             waveform_options=PLAYER)
        ab_base = gr.Audio(label="B: base voice", elem_id="voice-ab-base",
                           waveform_options=PLAYER)
    ab_table_md = gr.Markdown(elem_id="voice-ab-table")
    recording.change(actions.check_speaker, recording, voice_status, api_name="check_speaker")

    def do_enrol(path, progress=gr.Progress(track_tqdm=True)):
        update = actions.enrol(path)
        choices = update.get("speakers")
        if choices is None:
            return update["voice_status"], gr.update(), gr.update()
        return (update["voice_status"], gr.update(choices=choices, value=update["speaker"]),
                gr.update(choices=choices))

    enrol.click(do_enrol, recording, [voice_status, speaker, talk_speakers], api_name="enrol")
    language.change(lambda lang: AB_SENTENCES[lang], language, text)
    ab_outputs = dict(ab_status=ab_status, ab_cloned=ab_cloned, ab_base=ab_base,
                      ab_table=ab_table_md)
    compare.click(lambda *a: _bind(ab_outputs)(actions.compare(*a)),
                  [speaker, text, language, reference], list(ab_outputs.values()),
                  api_name="compare")


def open_library(folder: Path | None) -> tuple[Any, str]:
    """The clip library in ``folder`` (None: its default), or None and why not."""
    try:
        from voice_agent.library import Library
    except ImportError:
        return None, ("The clip library is not available in this build (`voice_agent.library` "
                      "is not installed). Saved clips will show here once it is.")
    try:
        return Library(folder).open(), ""
    except VoiceAgentError as exc:
        return None, f"The clip library cannot be opened: {exc}"


def _library_tab(library: Any, reason: str, publish: Published) -> None:
    if library is None:
        gr.Markdown(message(reason, "error"), elem_id="library-status")
        return
    from voice_agent.modes.web.library import library_tab

    library_tab(library, PLAYER, publish)


def _benchmark_tab(actions: WebActions) -> None:
    reload = gr.Button("Reload", elem_id="bench-reload")
    first = actions.benchmark()
    table = gr.Markdown(first["bench_md"], elem_id="bench-table")
    chart = gr.Image(first["bench_png"], label="Latency per stage", type="filepath",
                     elem_id="bench-chart")

    def refresh():
        update = actions.benchmark()
        return update["bench_md"], update["bench_png"]

    reload.click(refresh, None, [table, chart])


def build_ui(service: AgentService, bench_dir: Path = DEFAULT_BENCH_DIR,
             library: Any = None, library_reason: str = "") -> gr.Blocks:
    """The Gradio Blocks of the web app (not yet mounted or launched)."""
    actions = WebActions(service, bench_dir)
    # Gradio keeps a copy of every file it serves and receives; drop those over an hour
    # old, every ten minutes (uploads are used at once; a day of them was a disk to fill).
    with gr.Blocks(title="voice_agent", analytics_enabled=False,
                   delete_cache=(600, 3600)) as blocks:
        heading = "# voice_agent\nSay or type what music you want, in English or Spanish."
        if service.fake:
            heading += "\n\n**FAKE MODE** - no models run; every answer is a stand-in."
        gr.Markdown(heading)
        with gr.Tab("Talk", id="talk"):
            speakers = _talk_tab(actions)
        with gr.Tab("Compose", id="compose"):
            _compose_tab(actions, library)
        with gr.Tab("Voices", id="voices"):
            _voices_tab(actions, speakers)
        with gr.Tab("Library", id="library"):
            _library_tab(library, library_reason, actions.publish)
        with gr.Tab("Benchmark", id="benchmark"):
            _benchmark_tab(actions)
    blocks.queue(max_size=service.limits.max_waiting * 4)
    return blocks


def create_web_app(service: AgentService, bench_dir: Path = DEFAULT_BENCH_DIR,
                   library_dir: Path | None = None, access: Access = Access()):
    """The HTTP API with the web app mounted at ``/`` (one server, one set of models).

    ``library_dir`` None means the library's default folder (in ``--fake`` mode, a
    ``library`` folder beside the requests, so fakes never land in the real library).
    ``access`` as for :func:`~voice_agent.modes.api.create_app`; with a token the web
    app asks for it once, at Gradio's login page (any user name, the token as password).
    """
    import hmac

    from voice_agent.modes.api import create_app

    if library_dir is None and service.fake:
        library_dir = service.store.root.parent / "library"
    library, reason = open_library(library_dir)
    app = create_app(service, docs_at_root=False, access=access)
    theme = gr.themes.Soft(font=["system-ui", "sans-serif"], font_mono=["monospace"])
    blocks = build_ui(service, bench_dir, library, reason)
    publish = Published(service.store.root.parent / "web-files")
    # Only copies made to be served, and the benchmark's public results: never the
    # request folders, the library (its database holds every transcript) or the voices.
    served = [publish.folder, Path(bench_dir).resolve()]
    auth = None
    if access.token:
        token = access.token.encode()

        def auth(_user: str, password: str) -> bool:
            return hmac.compare_digest(password.encode(), token)

    mounted = gr.mount_gradio_app(
        app, blocks, path="", allowed_paths=[str(p) for p in served],
        max_file_size=service.limits.max_upload_bytes, ssr_mode=False, theme=theme,
        show_error=True, auth=auth,
        auth_message="This server needs its token: type it as the password (any user name).")
    # Gradio checks that a file named in an API call was uploaded only once it believes it
    # has launched, which a mounted app never does: without this any path on the server
    # could be named and read back. (gradio.processing_utils._check_allowed)
    blocks.has_launched = True
    return mounted
