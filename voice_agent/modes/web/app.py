"""The web app (Gradio): the agent in a browser, on the same service as the HTTP API.

``voice-agent web`` builds one :class:`~voice_agent.service.AgentService`, the FastAPI app
of :mod:`voice_agent.modes.api` around it, and mounts this Gradio app at ``/`` of the same
server: one process, one port, one loaded set of models behind one lock, so a browser and
a program calling ``/api/...`` queue for the same models and never clash. (Running Gradio
as a separate server would load the models twice, or need the UI to call the API over
HTTP; mounting needs neither.)

Tabs: **Talk** (record or upload a spoken request; transcript, reply, music prompt and
plan appear as each stage finishes; the cloned reply, the base reply and the music play;
per-stage timings; the session panel of :mod:`voice_agent.modes.web.sessions`:
one session per browser tab, past sessions to reopen, versions to play, A/B and continue
from), **Compose** (a typed prompt to music, with duration, seed, genre,
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
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")  # offline: no telemetry calls

import gradio as gr  # noqa: E402

from voice_agent.core.audio import to_int16  # noqa: E402
from voice_agent.core.errors import NoSpeechError, VoiceAgentError  # noqa: E402
from voice_agent.core.plan import PITCH_CLASSES, plan_to_dict  # noqa: E402
from voice_agent.core.events import (EVENT_MUSIC_READY, EVENT_REPLY,  # noqa: E402
                                EVENT_SPEECH_CHUNK, EVENT_STAGE_FAILED, EVENT_STAGE_FINISHED,
                                EVENT_STAGE_STARTED, EVENT_TRANSCRIPT, TurnEvent)
from voice_agent.music.styles import RECIPES  # noqa: E402
from voice_agent.pipeline.turns import SPEECH_STAGE_PREFIX  # noqa: E402
from voice_agent.modes.guard import Access  # noqa: E402
from voice_agent.modes.ui_text import enrolment_line, resolve_language, stage_name, t  # noqa: E402
from voice_agent.modes.web import compose_panel  # noqa: E402
from voice_agent.modes.web.common import (Published, failure_message, message,  # noqa: E402
                                          uploaded)
from voice_agent.modes.web.captions import captions_tab  # noqa: E402
from voice_agent.modes.web.scores import prompt_change, score_text  # noqa: E402
from voice_agent.modes.web.streaming_recorder import (StreamingRecorder,  # noqa: E402
                                                      streaming_microphone)
from voice_agent.service import (DEFAULT_SPEAKER, AgentService, ComposeOptions,  # noqa: E402
                                 ComposeResult, TurnResult)
from voice_agent.core.types import Audio, MusicPlan  # noqa: E402
from voice_agent.speech.streaming import join_sentences  # noqa: E402

log = logging.getLogger(__name__)

AUTO = "from the prompt"
BENCH_SUBDIR = Path("benchmarks") / "results" / "bench"
#: The shipped results: beside the package in a source checkout, whatever the working folder.
SHIPPED_BENCH_DIR = Path(__file__).resolve().parents[3] / BENCH_SUBDIR
DEFAULT_BENCH_DIR = None  # None: the newest of ./benchmarks/results/bench and the shipped one
MAX_SEED = 2**32 - 1
EXAMPLES = ["relaxing jazz with piano", "an upbeat salsa with congas and trumpet, 120 bpm",
            "una cumbia alegre con acordeón", "un tango dramático en re menor",
            "calm lo-fi hip hop for studying", "una bossa nova suave con guitarra"]
AB_SENTENCES = {"en": "Here is a gentle jazz piece with piano and soft drums. I hope you like it.",
                "es": "Aquí tienes una pieza de jazz suave con piano. Espero que te guste."}
_DONE = object()
STAGE_KEYS = {f"talk.stage.{stage}" for stage in ("asr", "llm", "music", "tts_cloned",
                                                  "tts_base")}
#: Output players are the browser's own <audio> elements (src = the file), not a waveform.
PLAYER = gr.WaveformOptions(show_recording_waveform=False)


def timings_table(timings: dict[str, float], lang: str = "en") -> str:
    """Per-stage seconds as a Markdown table, each stage in a person's words."""
    if not timings:
        return ""
    rows = "\n".join(f"| {stage_name(stage, lang)} | {seconds:.2f} |"
                     for stage, seconds in timings.items())
    return f"| {t('web.stage', lang)} | {t('web.seconds', lang)} |\n|---|---:|\n" + rows


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

    def __init__(self, service: AgentService, bench_dir: Path | None = DEFAULT_BENCH_DIR,
                 lang: str = "en", publish: Published | None = None) -> None:
        self.service = service
        self.bench_dir = Path(bench_dir) if bench_dir is not None else None
        self.lang = lang
        self._cancelled: set[str] = set()  # sessions whose turn on show was cancelled
        # what the page plays or offers is a copy made to be served (see the docstring)
        self.publish = publish or Published(service.store.root.parent / "web-files")

    # -- Talk ---------------------------------------------------------------------------

    def talk(self, audio_path: str | None, speaker: str, language: str,
             session: str | None, text: str = "",
             history: list[dict[str, Any]] | None = None) -> Iterator[dict[str, Any]]:
        """Run a spoken (or typed) turn, yielding what is known as each stage finishes.

        ``history`` is the session's conversation log (Chatbot messages); the finished
        turn is appended to it and shown as ``log``.
        """
        session = session or uuid.uuid4().hex
        self._cancelled.discard(session)
        history = list(history or [])
        text = (text or "").strip()
        if not audio_path and not text:
            yield {"status": message(t("talk.no_request", self.lang), "error", self.lang),
                   "session": session}
            return
        try:
            if text:
                audio, name = None, "text"
                self.service.check_prompt(text)
            else:
                path = uploaded(audio_path)
                self.service.check_size(path.stat().st_size)
                audio = self.service.decode_request(path.read_bytes(), path.name)
                name = path.name
        except NoSpeechError:
            yield {"status": message(t("talk.silent_upload", self.lang), "error", self.lang),
                   "session": session}
            return
        except Exception as exc:  # noqa: BLE001 - shown on the page
            yield {"status": self._failure(exc, audio_path), "session": session}
            return
        yield from self.spoken_turn(audio, name, speaker, language, session, history,
                                    text or None)

    def spoken_turn(self, audio: Audio | None, name: str, speaker: str, language: str,
                    session: str, history: list[dict[str, Any]] | None = None,
                    text: str | None = None,
                    transcribe: Callable[[Audio, str | None], Any] | None = None
                    ) -> Iterator[dict[str, Any]]:
        """A checked request's turn (``transcribe``: a streaming session's finish)."""
        yield {"status": message(t("talk.waiting", self.lang), "busy", self.lang),
               "session": session, **self._cleared_talk()}
        yield from self._run_turn(audio, name, speaker, language, session, text, history,
                                  transcribe)

    def _failure(self, exc: Exception, upload: str | None = None) -> str:
        """The failure message, with a temporary upload path shown as its file name."""
        text = failure_message(exc, self.lang)
        if upload:
            text = text.replace(str(upload), Path(upload).name)
        return text

    def upload_changed(self, audio_path: str | None) -> dict[str, Any]:
        """A new recording replaces the last message (an old problem no longer applies)."""
        return {"status": message(t("talk.new_upload" if audio_path else "talk.intro",
                                    self.lang))}

    def cancel(self, session: str | None) -> dict[str, Any]:
        """Stop the session's running turn and stop showing it (Gradio cancels its event).

        The pipeline stops at its next check point (a model call already running is not
        cut half-way), records the turn as cancelled, stores nothing of it and frees the
        models for the next request.
        """
        if session:
            self._cancelled.add(session)
            self.service.cancel(session)
        return {"status": message(t("talk.cancelled_turn", self.lang))}

    @staticmethod
    def _cleared_talk() -> dict[str, Any]:
        return {"transcript": "", "reply": "", "music_prompt": "", "plan": None,
                "cloned": None, "base": None, "music": None, "timings": ""}

    def _run_turn(self, audio, name: str, speaker: str, language: str, session: str,
                  text: str | None = None,
                  history: list[dict[str, Any]] | None = None,
                  transcribe: Callable[[Audio, str | None], Any] | None = None
                  ) -> Iterator[dict[str, Any]]:
        events: queue.Queue[Any] = queue.Queue()
        outcome: dict[str, Any] = {}

        def work() -> None:
            try:
                outcome["result"] = self.service.turn(
                    audio, request=name, language=None if language == "auto" else language,
                    speaker_id=speaker or DEFAULT_SPEAKER, session=session, on_event=events.put,
                    text=text, ticket=session, transcribe=transcribe)
            except Exception as exc:  # noqa: BLE001 - handed to the page below
                outcome["error"] = exc
            finally:
                events.put(_DONE)

        threading.Thread(target=work, name="web-turn", daemon=True).start()
        early = EarlyAudio()
        while (event := events.get()) is not _DONE:
            if session in self._cancelled:  # Cancel was pressed: show nothing more
                yield self.cancel(session)
                return
            update = {**(self._event_update(event) or {}), **(early.update(event) or {})}
            if update:
                yield update
        if self._cancelled.intersection({session}):
            yield self.cancel(session)
            return
        if "error" in outcome:
            yield {"status": failure_message(outcome["error"], self.lang)}
            return
        final = self._turn_update(outcome["result"])
        log = [*(history or []), *conversation_messages(outcome["result"], self.lang,
                                                        self.publish)]
        yield {**{name: value for name, value in final.items() if name not in early.shown},
               "log": log}

    def _event_update(self, event: TurnEvent) -> dict[str, Any] | None:
        """What one pipeline event changes on the page."""
        if event.kind == EVENT_STAGE_STARTED:
            key = f"talk.stage.{event.stage}"
            words = t(key, self.lang) if key in STAGE_KEYS else event.stage
            return {"status": message(f"{words}… ({event.elapsed_s:.1f} s)", "busy", self.lang)}
        if event.kind == EVENT_TRANSCRIPT:
            return {"transcript": f"({event.data.language}) {event.text}"}
        if event.kind == EVENT_REPLY:
            reply = event.data
            return {"reply": reply.say, "music_prompt": reply.music_prompt,
                    "plan": plan_to_dict(reply.plan) if reply.plan else None}
        if event.kind == EVENT_STAGE_FAILED:
            return {"status": message(f"{event.stage}: {event.text}", "error", self.lang)}
        if event.kind == EVENT_MUSIC_READY:
            return {"status": message(t("talk.music_ready", self.lang), "busy", self.lang)}
        return None

    def _turn_update(self, result: TurnResult) -> dict[str, Any]:
        record = result.record
        turn = result.turn
        update: dict[str, Any] = {name: self.publish(result.path(name))
                                  for name in ("music", "reply_cloned", "reply_base")}
        update = {"music": update["music"], "cloned": update["reply_cloned"],
                  "base": update["reply_base"],
                  "timings": timings_table(record["timings"], self.lang)}
        if turn.transcript is not None:
            update["transcript"] = f"({turn.transcript.language}) {turn.transcript.text}"
        if turn.reply is not None:
            update.update(reply=turn.reply.say, music_prompt=turn.reply.music_prompt,
                          plan=record["reply"]["plan"])
        problems = [f"{e['stage']}: {e['message']}" for e in record["errors"]]
        if problems:
            _toast(problems[0])
            update["status"] = message(" · ".join(problems), "error", self.lang)
        else:
            update["status"] = message(t("talk.finished", self.lang,
                                         seconds=record["timings"]["total"],
                                         request_id=result.request_id), "ok", self.lang)
        return update

    # -- Compose --------------------------------------------------------------------------

    def compose(self, prompt: str, language: str, duration_s: float, seed: float, genre: str,
                bpm: float, key: str, mode: str, melody: str | None = None,
                engine: str | None = None, best_of: float = 1) -> dict[str, Any]:
        """Prompt -> improved prompt, plan and clip, with the overrides applied; the clip
        follows ``melody`` (an uploaded or recorded tune) when given, by ``engine``; the
        best of ``best_of`` renders is kept."""
        try:
            options = compose_options(duration_s, seed, genre, bpm, key, mode, best_of)
            tune = compose_panel.read_melody(self.service, melody)
            result = self.service.compose(prompt, options, None if language == "auto" else language,
                                          melody=tune, engine=engine)
        except Exception as exc:  # noqa: BLE001 - shown on the page
            return {"status": compose_panel.melody_problem(exc, self.lang, melody)}
        return self._compose_update(result)

    def recompose(self, last: dict[str, Any] | None, duration_s: float, seed: float, genre: str,
                  bpm: float, key: str, mode: str, melody: str | None = None,
                  engine: str | None = None, best_of: float = 1) -> dict[str, Any]:
        """Render the last plan again with the current overrides (no language model)."""
        if not last:
            return {"status": message(t("compose.first", self.lang), "error", self.lang)}
        plan = MusicPlan(**{**last["plan"], "instruments": tuple(last["plan"]["instruments"])})
        try:
            options = compose_options(duration_s, seed, genre, bpm, key, mode, best_of)
            tune = compose_panel.read_melody(self.service, melody)
            result = self.service.recompose(plan, options, last["prompt"], melody=tune,
                                            engine=engine)
        except Exception as exc:  # noqa: BLE001 - shown on the page
            return {"status": compose_panel.melody_problem(exc, self.lang, melody)}
        return self._compose_update(result, last["say"])

    def _compose_update(self, result: ComposeResult, say: str = "") -> dict[str, Any]:
        plan = plan_to_dict(result.plan)
        midi = str(result.midi_path) if result.midi_path else None
        stem = download_stem(result.plan, result.request_id)
        wav_named = self.publish(result.wav_path, f"{stem}.wav")
        midi_named = self.publish(result.midi_path, f"{stem}.mid") if midi else None
        return {"status": message(t("compose.rendered", self.lang,
                                    seconds=result.clip.audio.duration_s,
                                    request_id=result.request_id)
                              + compose_panel.melody_used(result.melody, self.lang), "ok",
                              self.lang),
                "improved_prompt": result.improved_prompt,
                "refined": prompt_change(result, self.service.pipeline.responder.model_id,
                                         self.lang),
                "score": score_text(result.clip.score, self.lang),
                "say": result.reply.say if result.reply else say, "plan": plan,
                "audio": wav_named,
                "wav_file": gr.update(value=wav_named, interactive=True),
                "midi_file": gr.update(value=midi_named,
                                       interactive=midi_named is not None),
                "timings": timings_table(result.timings, self.lang),
                "last": {"plan": plan, "prompt": result.prompt,
                         "say": result.reply.say if result.reply else say,
                         "improved_prompt": result.improved_prompt, "wav": str(result.wav_path),
                         "midi": midi, "backend": result.clip.backend,
                         "language": result.reply.language if result.reply else ""}}

    # -- Voices ---------------------------------------------------------------------------

    def check_speaker(self, path: str | None) -> str:
        """Validate a speaker recording at once, before the long enrolment."""
        if not path:
            return message(t("voices.upload", self.lang), "info", self.lang)
        try:
            upload = uploaded(path)
            self.service.check_recording(upload, upload.name)
            clip = self.service.voices.check(upload)
        except Exception as exc:  # noqa: BLE001 - shown on the page
            return self._failure(exc, path)
        from voice_agent.speech.enrol import RECOMMENDED_SECONDS

        notes = "".join(f"\n- {w}" for w in clip.warnings
                        if not w.startswith("it is ") or clip.duration_s > RECOMMENDED_SECONDS)
        if clip.duration_s < RECOMMENDED_SECONDS:
            return message(t("voices.short", self.lang, seconds=clip.duration_s,
                             speech=clip.speech_s) + notes, "warning", self.lang)
        return message(t("voices.ok", self.lang, seconds=clip.duration_s,
                         speech=clip.speech_s) + notes, "ok", self.lang)

    def enrol(self, path: str | None, name: str = "",
              progress: Callable[[float, str], None] | None = None) -> dict[str, Any]:
        """Enrol the recording under ``name``; ``progress(fraction, line)`` gets each step."""
        if not path:
            return {"voice_status": message(t("voices.first", self.lang), "error", self.lang)}
        try:
            upload = uploaded(path)
            on_step = None if progress is None else (
                lambda step: progress(step.fraction, enrolment_line(step, self.lang)))
            info = self.service.enrol(upload, upload.name, (name or "").strip(), on_step)
        except Exception as exc:  # noqa: BLE001 - shown on the page
            return {"voice_status": self._failure(exc, path)}
        state = t("voices.state_cached" if info.cache_hit else "voices.state_new", self.lang)
        score = f"; {info.enrolment_score:.3f}" if info.enrolment_score else ""
        notes = "".join(f"\n- {w}" for w in info.warnings)
        return {"voice_status": message(t("voices.enrolled", self.lang, name=info.name,
                                          state=state, seconds=info.duration_s, score=score)
                                        + notes, "ok", self.lang),
                "speakers": self.speaker_choices(), "speaker": info.speaker_id}

    def speaker_choices(self) -> list[tuple[str, str]]:
        """(label, id): "default" (the configured speaker) and every enrolled one by name."""
        return [(DEFAULT_SPEAKER, DEFAULT_SPEAKER),
                *((name, sid) for sid, name in self.service.voices.speakers())]

    def compare(self, speaker: str, text: str, language: str,
                reference: str | None) -> dict[str, Any]:
        """A/B: the same sentence in the cloned and the base voice, with similarity figures."""
        text = text or AB_SENTENCES.get(language, AB_SENTENCES["en"])
        try:
            report = self.service.compare_voices(speaker or DEFAULT_SPEAKER, text, language,
                                                 uploaded(reference) if reference else None)
        except Exception as exc:  # noqa: BLE001 - shown on the page
            return {"ab_status": failure_message(exc, self.lang)}
        voices = report["voices"]
        paths = {v: self.publish(self.service.audio_path(s["audio_id"]))
                 for v, s in voices.items()}
        return {"ab_status": message(ab_summary(report), "ok", self.lang),
                "ab_cloned": paths.get("cloned"), "ab_base": paths.get("base"),
                "ab_table": ab_table(report)}

    # -- Benchmark ------------------------------------------------------------------------

    def benchmark(self) -> dict[str, Any]:
        """The latest ``voice-agent bench`` results: its table and its chart."""
        folder = self.bench_dir or newest_bench_dir()
        table, chart = folder / "bench.md", folder / "bench.png"
        if not table.is_file():
            return {"bench_md": message(t("bench.none", self.lang), "info", self.lang), "bench_png": None}
        return {"bench_md": table.read_text(encoding="utf-8"),
                "bench_png": str(chart) if chart.is_file() else None}


def bench_dirs() -> list[Path]:
    """Where ``voice-agent bench`` results may be: here (its default output) and shipped."""
    here = (Path.cwd() / BENCH_SUBDIR).resolve()
    return [here] if here == SHIPPED_BENCH_DIR else [here, SHIPPED_BENCH_DIR]


def newest_bench_dir() -> Path:
    """The folder whose ``bench.md`` is newest (a fresh run beats the shipped results)."""
    found = [d for d in bench_dirs() if (d / "bench.md").is_file()]
    if not found:
        return SHIPPED_BENCH_DIR
    return max(found, key=lambda d: (d / "bench.md").stat().st_mtime)


def download_stem(plan: MusicPlan, ident: object) -> str:
    """A file name that says what it is: ``cumbia_128bpm_clip12``."""
    genre = "".join(c if c.isalnum() else "-" for c in plan.genre).strip("-") or "music"
    ident = f"clip{ident}" if isinstance(ident, int) else str(ident)
    return f"{genre}_{plan.bpm}bpm_{ident}"


def conversation_messages(result: TurnResult, lang: str = "en",
                          publish: Published | None = None) -> list[dict[str, Any]]:
    """One turn for the conversation log: what was asked, the reply with its plan and
    seconds, and players for its music and spoken reply (served from ``publish``)."""
    publish = publish or (lambda path, name=None: str(path) if path else None)
    record, turn = result.record, result.turn
    asked = turn.transcript.text if turn.transcript is not None else record.get("request", "")
    messages: list[dict[str, Any]] = [{"role": "user", "content": asked or "…"}]
    lines = [turn.reply.say if turn.reply is not None else "—"]
    plan = (record.get("reply") or {}).get("plan")
    if plan:
        lines.append(f"*{plan['genre']} · {plan['bpm']} bpm · {plan['key']} {plan['mode']} · "
                     f"{plan['duration_s']:g} s · seed {plan['seed']}*")
    problems = [f"{e['stage']}: {e['message']}" for e in record["errors"]]
    lines += [f"**{t('web.problem', lang).strip('* :')}:** {p}" for p in problems]
    lines.append(t("talk.took", lang, seconds=record["timings"].get("total", 0.0)))
    messages.append({"role": "assistant", "content": "\n\n".join(lines)})
    for name, key in (("music", "talk.music_player"), ("reply_cloned", "talk.cloned"),
                      ("reply_base", "talk.base")):
        path = result.path(name)
        if path is not None:
            messages.append({"role": "assistant",
                             "content": gr.Audio(publish(path), label=t(key, lang),
                                                 waveform_options=PLAYER)})
    return messages


def compose_options(duration_s: float, seed: float | None, genre: str, bpm: float, key: str,
                    mode: str, best_of: float | None = 1) -> ComposeOptions:
    """The Compose tab's controls as overrides (0, -1, empty or "from the prompt": none).

    A seed out of 0..2**32-1 is refused, never clamped: a clamped seed would render a
    different clip than the one asked for.
    """
    if seed is not None and seed != -1 and not 0 <= seed <= MAX_SEED:
        from voice_agent.service import ServiceError

        raise ServiceError(f"The seed {seed:.0f} is out of range; use a whole number from 0 "
                           f"to {MAX_SEED}, or leave it empty.")
    return ComposeOptions(duration_s=float(duration_s) if duration_s else None,
                          seed=int(seed) if seed is not None and 0 <= seed <= MAX_SEED
                          else None,
                          genre=None if genre in (AUTO, "", None) else genre,
                          bpm=int(bpm) if bpm else None,
                          key=None if key in (AUTO, "", None) else key,
                          mode=None if mode in (AUTO, "", None) else mode,
                          best_of=int(best_of) if best_of and best_of > 1 else None)


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


def _talk_tab(actions: WebActions, stream: bool = False) -> tuple[gr.Dropdown, Any]:
    """The Talk tab; returns its speaker choice, which the Voices tab updates, and its
    session panel (voice_agent.modes.web.sessions), started on each page load. ``stream``:
    the microphone is recognised while recording (modes/web/streaming_recorder.py)."""
    lang = actions.lang
    session = gr.State(None)
    live = StreamingRecorder(actions, stream)
    with gr.Row():
        with gr.Column(scale=1):
            mic = gr.Column(visible=live.streams)  # the streaming microphone, when on
            request = gr.Audio(sources=live.request_sources, type="filepath",
                               label=t(live.request_label, lang), elem_id="talk-input")
            typed = gr.Textbox(label=t("talk.text", lang), lines=1, max_lines=3,
                               placeholder=t("talk.text_placeholder", lang),
                               elem_id="talk-text")
            with gr.Row():
                language = gr.Radio(["auto", "en", "es"], value="auto",
                                    label=t("web.language", lang))
                speakers = gr.Dropdown(actions.speaker_choices(), value=DEFAULT_SPEAKER,
                                       label=t("talk.speaker", lang), elem_id="talk-speaker")
            with gr.Row():
                send = gr.Button(t("talk.send", lang), variant="primary", elem_id="talk-send")
                cancel = gr.Button(t("talk.cancel", lang), variant="stop", elem_id="talk-cancel")
            status = gr.Markdown(message(t("talk.intro", lang)), elem_id="talk-status")
        with gr.Column(scale=2):
            transcript = gr.Textbox(label=t("talk.heard", lang), elem_id="talk-transcript")
            reply = gr.Textbox(label=t("talk.reply", lang), elem_id="talk-reply")
            music_prompt = gr.Textbox(label=t("talk.prompt", lang), elem_id="talk-prompt")
            plan = gr.JSON(label=t("talk.plan", lang), elem_id="talk-plan")
    with gr.Row():
        cloned = gr.Audio(label=t("talk.cloned", lang), autoplay=True, elem_id="talk-cloned",
                          waveform_options=PLAYER)
        base = gr.Audio(label=t("talk.base", lang), elem_id="talk-base", waveform_options=PLAYER)
        music = gr.Audio(label=t("talk.music_player", lang), elem_id="talk-music",
                         waveform_options=PLAYER)
    timings = gr.Markdown(elem_id="talk-timings")
    log = gr.Chatbot([], label=t("talk.log", lang), elem_id="talk-log", height=420,
                     placeholder=t("talk.log_empty", lang), feedback_options=None)
    from voice_agent.modes.web.sessions import SessionActions, session_panel

    panel = session_panel(SessionActions(actions.service, actions.publish, lang), session, log,
                          PLAYER)
    outputs = dict(status=status, transcript=transcript, reply=reply, music_prompt=music_prompt,
                   plan=plan, cloned=cloned, base=base, music=music, timings=timings,
                   session=session, log=log, typed=typed)
    bind = _bind(outputs)

    def run(path, text, speaker, lang_choice, state, history):
        for update in actions.talk(path, speaker, lang_choice, state, text=text,
                                   history=history):
            if "log" in update:
                update = {**update, "typed": ""}  # the request is done: clear the box
            yield bind(update)

    inputs = [request, typed, speakers, language, session, log]
    running = [send.click(run, inputs, list(outputs.values()), api_name="talk"),
               typed.submit(run, inputs, list(outputs.values()), api_name=False),
               request.stop_recording(run, inputs, list(outputs.values()), api_name=False)]
    with mic:
        running += streaming_microphone(live, outputs, bind, speakers, language)
    cancel.click(lambda state: bind(actions.cancel(state)), session, [status], cancels=running,
                 api_name=False)
    panel.connect(speakers, language, running, outputs)
    request.upload(lambda path: bind(actions.upload_changed(path)), request, [status])
    request.clear(lambda: bind(actions.upload_changed(None)), None, [status])
    return speakers, panel


def _compose_tab(actions: WebActions, library: Any) -> None:
    lang = actions.lang
    auto = AUTO
    last = gr.State(None)
    with gr.Row():
        with gr.Column(scale=1):
            prompt = gr.Textbox(label=t("compose.prompt", lang), lines=2,
                                elem_id="compose-prompt",
                                placeholder="relaxing jazz with piano · un tango dramático")
            gr.Examples(EXAMPLES, inputs=prompt, label=t("compose.examples", lang),
                        elem_id="compose-examples")
            extras = compose_panel.melody_inputs(actions.service, lang)
            language = gr.Radio(["auto", "en", "es"], value="auto", label=t("web.language", lang))
            duration = gr.Slider(0, 60, value=0, step=1, label=t("compose.duration", lang),
                                 elem_id="compose-duration")
            seed = gr.Number(None, label=t("compose.seed", lang), precision=0, minimum=0,
                             maximum=MAX_SEED, elem_id="compose-seed")
            with gr.Accordion(t("compose.overrides", lang), open=False):
                genre = gr.Dropdown([auto, *sorted(RECIPES)], value=auto,
                                    label=t("compose.genre", lang), elem_id="compose-genre")
                bpm = gr.Slider(0, 220, value=0, step=1, label=t("compose.bpm", lang),
                                elem_id="compose-bpm")
                key = gr.Dropdown([auto, *PITCH_CLASSES], value=auto, label=t("compose.key", lang))
                mode = gr.Radio([auto, "major", "minor"], value=auto, label=t("compose.mode", lang))
                best_of = gr.Slider(1, 8, value=1, step=1, label=t("compose.best_of", lang),
                                    elem_id="compose-best-of")
            with gr.Row():
                generate = gr.Button(t("compose.generate", lang), variant="primary",
                                     elem_id="compose-generate")
                regenerate = gr.Button(t("compose.regenerate", lang),
                                       elem_id="compose-regenerate")
            status = gr.Markdown(elem_id="compose-status")
        with gr.Column(scale=1):
            improved = gr.Textbox(label=t("compose.improved", lang), elem_id="compose-improved")
            refined = gr.Markdown(elem_id="compose-refined")
            score = gr.Markdown(elem_id="compose-score")
            say = gr.Textbox(label=t("compose.say", lang), elem_id="compose-say")
            audio = gr.Audio(label=t("compose.audio", lang), elem_id="compose-audio",
                             waveform_options=PLAYER)
            with gr.Row():
                # nothing to download until something is rendered
                wav_file = gr.DownloadButton(t("compose.wav", lang), elem_id="compose-wav",
                                             interactive=False)
                midi_file = gr.DownloadButton(t("compose.midi", lang), elem_id="compose-midi",
                                              interactive=False)
                keep = gr.Button(t("compose.save", lang), elem_id="compose-save",
                                 visible=library is not None)
            plan = gr.JSON(label=t("compose.plan", lang), elem_id="compose-plan")
            timings = gr.Markdown(elem_id="compose-timings")
    outputs = dict(status=status, improved_prompt=improved, refined=refined, score=score,
                   say=say, plan=plan, audio=audio, wav_file=wav_file, midi_file=midi_file,
                   timings=timings, last=last)
    bind = _bind(outputs)
    controls = [duration, seed, genre, bpm, key, mode, extras.melody, extras.engine, best_of]
    generate.click(lambda *a: bind(actions.compose(*a)), [prompt, language, *controls],
                   list(outputs.values()))
    prompt.submit(lambda *a: bind(actions.compose(*a)), [prompt, language, *controls],
                  list(outputs.values()))
    regenerate.click(lambda *a: bind(actions.recompose(*a)), [last, *controls],
                     list(outputs.values()))
    if library is not None:
        from voice_agent.modes.web.library import LibraryActions, guarded

        keep.click(guarded(LibraryActions(library, actions.publish, actions.lang).save_composed,
                           {"status": status}, lang=actions.lang), last, status)


def _voices_tab(actions: WebActions, talk_speakers: gr.Dropdown) -> None:
    lang = actions.lang
    gr.Markdown(t("voices.intro", lang))
    with gr.Row():
        with gr.Column():
            recording = gr.Audio(sources=["upload", "microphone"], type="filepath",
                                 label=t("voices.input", lang), elem_id="voice-input")
            name = gr.Textbox(label=t("voices.name", lang), max_lines=1, elem_id="voice-name")
            enrol = gr.Button(t("voices.enrol", lang), variant="primary", elem_id="voice-enrol")
            voice_status = gr.Markdown(actions.check_speaker(None), elem_id="voice-status")
        with gr.Column():
            speaker = gr.Dropdown(actions.speaker_choices(), value=DEFAULT_SPEAKER,
                                  label=t("voices.speaker", lang), elem_id="voice-speaker")
            reference = gr.Audio(sources=["upload"], type="filepath",
                                 label=t("voices.reference", lang))
            language = gr.Radio(["en", "es"], value="es" if lang == "es" else "en",
                                label=t("web.language", lang))
            text = gr.Textbox(label=t("voices.sentence", lang),
                              value=AB_SENTENCES["es" if lang == "es" else "en"])
            compare = gr.Button(t("voices.compare", lang), elem_id="voice-compare")
    ab_status = gr.Markdown(elem_id="voice-ab-status")
    with gr.Row():
        ab_cloned = gr.Audio(label=t("voices.ab_cloned", lang), elem_id="voice-ab-cloned",
                             waveform_options=PLAYER)
        ab_base = gr.Audio(label=t("voices.ab_base", lang), elem_id="voice-ab-base",
                           waveform_options=PLAYER)
    ab_table_md = gr.Markdown(elem_id="voice-ab-table")
    recording.change(actions.check_speaker, recording, voice_status, api_name="check_speaker")

    def do_enrol(path, speaker_name, progress=gr.Progress()):
        update = actions.enrol(path, speaker_name, lambda done, line: progress(done, desc=line))
        choices = update.get("speakers")
        if choices is None:
            return update["voice_status"], gr.update(), gr.update()
        return (update["voice_status"], gr.update(choices=choices, value=update["speaker"]),
                gr.update(choices=choices))

    enrol.click(do_enrol, [recording, name], [voice_status, speaker, talk_speakers],
                api_name="enrol")
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


def _library_tab(library: Any, reason: str, actions: WebActions) -> None:
    if library is None:
        gr.Markdown(message(reason, "error"), elem_id="library-status")
        return
    from voice_agent.modes.web.library import library_tab

    library_tab(library, PLAYER, actions.publish, actions.lang)


def _benchmark_tab(actions: WebActions) -> None:
    reload = gr.Button(t("bench.reload", actions.lang), elem_id="bench-reload")
    first = actions.benchmark()
    table = gr.Markdown(first["bench_md"], elem_id="bench-table")
    chart = gr.Image(first["bench_png"], label=t("bench.chart", actions.lang), type="filepath",
                     elem_id="bench-chart")

    def refresh():
        update = actions.benchmark()
        return update["bench_md"], update["bench_png"]

    reload.click(refresh, None, [table, chart])


def build_ui(service: AgentService, bench_dir: Path | None = DEFAULT_BENCH_DIR,
             library: Any = None, library_reason: str = "", lang: str | None = None,
             publish: Published | None = None, folders: bool = True,
             stream: bool = False) -> gr.Blocks:
    """The Gradio Blocks of the web app (not yet mounted or launched); ``folders``: the
    Captions tab may read folders of this machine (a loopback server only); ``stream``:
    the Talk tab's microphone is recognised while recording."""
    lang = resolve_language(lang)
    actions = WebActions(service, bench_dir, lang, publish)
    # Gradio keeps a copy of every file it serves and receives; drop those over an hour
    # old, every ten minutes (uploads are used at once; a day of them was a disk to fill).
    with gr.Blocks(title="voice_agent", analytics_enabled=False,
                   delete_cache=(600, 3600)) as blocks:
        heading = f"# voice_agent\n{t('web.heading', lang)}"
        if service.fake:
            heading += f"\n\n{t('web.fake', lang)}"
        gr.Markdown(heading)
        with gr.Tab(t("web.tab.talk", lang), id="talk"):
            speakers, sessions = _talk_tab(actions, stream)
        with gr.Tab(t("web.tab.compose", lang), id="compose"):
            _compose_tab(actions, library)
        with gr.Tab(t("web.tab.voices", lang), id="voices"):
            _voices_tab(actions, speakers)
        with gr.Tab(t("web.tab.library", lang), id="library"):
            _library_tab(library, library_reason, actions)
        with gr.Tab(t("web.tab.benchmark", lang), id="benchmark"):
            _benchmark_tab(actions)
        # the workshop (making and training, not inference) is one tab of its own
        with gr.Tab(t("web.tab.workshop", lang), id="workshop"), gr.Tabs():
            with gr.Tab(t("web.tab.captions", lang), id="captions"):
                captions_tab(service, actions.publish, lang, folders)
            with gr.Tab(t("web.tab.lora", lang), id="lora"):
                from voice_agent.modes.web.lora import lora_tab

                lora_tab(service.store.root.parent / "workshop", actions.publish, lang)
        sessions.start_on_load(blocks)
    blocks.queue(max_size=service.limits.max_waiting * 4)
    return blocks


def create_web_app(service: AgentService, bench_dir: Path | None = DEFAULT_BENCH_DIR,
                   library_dir: Path | None = None, access: Access = Access(),
                   ui_language: str | None = None, stream: bool = False):
    """The HTTP API with the web app mounted at ``/`` (one server, one set of models).

    ``library_dir`` None means the library's default folder (in ``--fake`` mode, a
    ``library`` folder beside the requests, so fakes never land in the real library).
    ``bench_dir`` None means the newest of the working folder's and the shipped results;
    ``ui_language`` None means the locale's language; ``stream``: recognise the Talk
    tab's microphone while recording (docs/speed.md).
    ``access`` as for :func:`~voice_agent.modes.api.create_app`; with a token the web
    app asks for it once, at Gradio's login page (any user name, the token as password).
    """
    import hmac

    from voice_agent.modes.api import create_app
    from voice_agent.modes.guard import is_loopback

    if library_dir is None and service.fake:
        library_dir = service.store.root.parent / "library"
    library, reason = open_library(library_dir)
    if service.fake and library is not None and service.pipeline.library is None:
        # fake mode keeps sessions (and library commands) in its own library, as the real
        # mode does in the configured one, so every panel of the page can be tried
        from voice_agent.library import LibrarySession, LyricsWriter

        service.pipeline.library = LibrarySession(library, LyricsWriter(None))
    app = create_app(service, docs_at_root=False, access=access)
    theme = gr.themes.Soft(font=["system-ui", "sans-serif"], font_mono=["monospace"])
    publish = Published(service.store.root.parent / "web-files")
    blocks = build_ui(service, bench_dir, library, reason, ui_language, publish,
                      folders=is_loopback(access.host), stream=stream)
    # Only copies made to be served, and the benchmark's public results: never the
    # request folders, the library (its database holds every transcript) or the voices.
    benches = [Path(bench_dir).resolve()] if bench_dir is not None else bench_dirs()
    served = [publish.folder, *benches]
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
