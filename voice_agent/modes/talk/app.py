"""``voice-agent talk``: the push-to-talk desktop session.

One loop on the main thread takes everything from one inbox: key presses (from the key
reader thread), pipeline events and finished turns (from the turn worker thread). It
asks the pure :class:`~voice_agent.modes.talk.keys.TalkMachine` what a key means, carries
out its commands on the microphone, the player and the turn worker, and redraws the
state line ten times a second.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from voice_agent.asr.streaming import StreamingRecognizer, StreamingSession, WordTranscriber
from voice_agent.core.audio import ASR_RATE, resample
from voice_agent.core.errors import VoiceAgentError
from voice_agent.library import LibraryScope
from voice_agent.core.events import (EVENT_REPLY, EVENT_SAY, EVENT_STAGE_FAILED, EVENT_STAGE_STARTED,
                                EVENT_TRANSCRIPT, TurnEvent)
from voice_agent.modes.talk import devices
from voice_agent.modes.talk.devices import AudioDeviceError
from voice_agent.modes.talk.keys import (NOTE_NOTHING_PLAYING, NOTE_TYPING_CANCELLED, Command,
                                         Do,
                                         State, TalkMachine, Timing)
from voice_agent.modes.talk.meter import render_meter
from voice_agent.modes.talk.mic import Microphone
from voice_agent.modes.talk.playback import TurnPlayback
from voice_agent.modes.talk.player import FileOnlyPlayer, Player
from voice_agent.modes.talk.session_log import SessionLog
from voice_agent.modes.talk.terminal import Screen
from voice_agent.modes.ui_text import stage_name, t
from voice_agent.pipeline.turns import Pipeline
from voice_agent.core.types import Audio

log = logging.getLogger(__name__)

TICK_S = 0.1
HELP = t("talk.help")


@dataclass(frozen=True)
class TalkOptions:
    """What the person chose on the command line."""

    input_device: str | None = None
    output_device: str | None = None
    text_only: bool = False
    out: str = "sessions"
    language: str | None = None
    voice: str = "cloned"
    save_dir: str | None = None
    hold_to_talk: bool = True
    session: str | None = None  # the stored conversation to continue; None: a new one
    ui_language: str = "en"
    stream_asr: bool = False  # recognise while the person speaks ([asr] streaming)


@dataclass
class _Job:
    number: int
    folder: Path
    audio: Audio | None
    text: str | None
    request: str
    transcribe: Any = None  # a streaming session's finish, when it heard the recording
    heard: Any = None  # what that session heard by the end of speech (a preview)


class TalkSession:
    """The running session: devices, turns in flight, what is playing, the screen."""

    def __init__(self, pipeline: Pipeline, options: TalkOptions, screen: Screen,
                 sd: Any = None, clock=time.monotonic) -> None:
        self.pipeline = pipeline
        self.history = pipeline.new_history()  # this session's turns; only the worker uses it
        self.scope = LibraryScope()  # the stored session the turns are kept in (keep_session)
        self.options = options
        self.screen = screen
        self.sd = sd
        self.clock = clock
        timing = Timing(hold_to_talk=options.hold_to_talk)
        self.machine = TalkMachine(text_only=options.text_only or sd is None, timing=timing)
        self.inbox: queue.Queue = queue.Queue()
        self.log = SessionLog(options.out)
        self.save_dir = Path(options.save_dir) if options.save_dir else self.log.folder / "saved"
        self.player: Player | FileOnlyPlayer = FileOnlyPlayer()
        self.mic: Microphone | None = None
        self.stream: StreamingSession | None = None  # recognising the recording in progress
        self.mic_choice: devices.DeviceChoice | None = None
        self.rescan = False
        self.voice = options.voice
        self.lang = options.ui_language
        self.playbacks: dict[int, TurnPlayback] = {}
        self.pending = 0
        self.stage = ""
        self.last_record: dict | None = None
        self.last_music: Audio | None = None
        self.running = True
        self.quitting = False
        self._jobs: queue.Queue[_Job | None] = queue.Queue()
        self._worker = threading.Thread(target=self._work, name="turns", daemon=True)

    # ------------------------------------------------------------------ set-up
    def open_output(self) -> None:
        """Use the chosen output device, or write files only when there is none."""
        if self.sd is None:
            self.player = FileOnlyPlayer()
            return
        try:
            choice = devices.open_settings(self.sd, self.options.output_device, devices.OUTPUT)
        except AudioDeviceError as exc:
            self.screen.log(f"{exc} No sound will play: every turn's audio is written to "
                            f"files in {self.log.folder}.")
            self.player = FileOnlyPlayer()
            return
        self.player = Player(self.sd, choice, clock=self.clock)
        self.screen.log(f"output: {choice.name} at {choice.rate} Hz")

    def check_input(self) -> None:
        """Say which microphone will be used, or how to type when there is none."""
        if self.machine.text_only:
            self.screen.log("text-only: press space or t to type a request.")
            return
        try:
            self.mic_choice = self._choose_mic()
        except AudioDeviceError as exc:
            self.screen.log(str(exc))
            self.rescan = True
            return
        self.screen.log(f"microphone: {self.mic_choice.name} at {self.mic_choice.rate} Hz")

    def _choose_mic(self) -> devices.DeviceChoice:
        return devices.open_settings(self.sd, self.options.input_device, devices.INPUT, ASR_RATE)

    def keep_session(self) -> None:
        """Keep every turn in a stored session (voice_agent.library.sessions) when the
        library is on: the one asked for, else a new one named after the session folder."""
        from voice_agent.service.sessions import keeps_sessions, resume_session

        if not keeps_sessions(self.pipeline):
            return

        name = self.options.session or f"talk-{self.log.folder.name}"
        try:
            self.scope, history = resume_session(self.pipeline, name)
        except VoiceAgentError as exc:
            self.screen.log(f"turns are not kept in a session: {exc}")
            return
        name = self.scope.session
        self.history.extend(history)
        earlier = len(history)
        plural = "s" if earlier != 1 else ""
        self.screen.log(f"session: {name}" + (f" ({earlier} earlier turn{plural})"
                                              if earlier else ""))

    def start(self) -> None:
        """The models are loaded: start the turn worker and take keys."""
        self.keep_session()
        self._worker.start()
        self.machine.ready()
        voices = ", ".join(self.pipeline.speakers) or "none"
        self.screen.log(f"ready. voices: {voices}; playing: {self._voice_to_play() or 'none'}. "
                        f"session folder: {self.log.folder}")
        self.redraw()

    # ------------------------------------------------------------------ the loop
    def run(self) -> None:
        """Handle the inbox until the person quits."""
        next_tick = self.clock()
        while self.running:
            try:
                self.dispatch(self.inbox.get(timeout=max(0.0, next_tick - self.clock())))
            except queue.Empty:
                pass
            if self.clock() >= next_tick:
                self.tick()
                next_tick = self.clock() + TICK_S
        self.shutdown()

    def dispatch(self, item: tuple) -> None:
        """One inbox item: ("key", key, time), ("event", n, event), ("saved", n, record, turn)
        or ("crashed", n, message)."""
        kind = item[0]
        self.machine.playback(self.player.playing())  # keys act on what plays right now
        if kind == "key":
            self.execute(self.machine.press(item[1], item[2]))
        elif kind == "event":
            self.on_event(item[1], item[2])
        elif kind == "saved":
            self.on_saved(item[1], item[2])
        elif kind == "crashed":
            self.on_crashed(item[1], item[2])
        self.redraw()

    def tick(self) -> None:
        """Clock work: a released talk key, a vanished device, what is playing now."""
        self.execute(self.machine.tick(self.clock()))
        if self.mic is not None and (failure := self.mic.failure()):
            self._recording_lost(failure)
        if (failure := self.player.failure()):
            self.screen.log(f"{failure} From now on the audio is only written to files.")
            self.player.close()
            self.player = FileOnlyPlayer()
        self.machine.playback(self.player.playing())
        self.redraw()

    # ------------------------------------------------------------------ commands
    def execute(self, commands: list[Command]) -> None:
        """Carry out what the key machine asked for."""
        playing = self.player.playing()
        for command in commands:
            handler = getattr(self, f"_do_{command.action.value}")
            handler(command)
        if [c.action for c in commands] == [Do.STOP_PLAYBACK]:  # s alone: say what it did
            self.screen.log(t("talk.stopped" if playing else "talk.muted", self.lang))

    def _do_start_listening(self, _command: Command) -> None:
        try:
            if self.rescan or self.mic_choice is None:
                self._rescan_devices()
            self.stream = self._streaming_session()
            self.mic = Microphone(self.sd, self.mic_choice, clock=self.clock,
                                  on_audio=self.stream.feed if self.stream else None)
            self.mic.start()
        except AudioDeviceError as exc:
            self.mic = None
            self.rescan = True
            self.machine.listening_failed()
            self.screen.log(str(exc))

    def _streaming_session(self) -> StreamingSession | None:
        """Recognise while the person speaks, when the recogniser gives word timings."""
        transcriber = self.pipeline.transcriber
        if not self.options.stream_asr or not isinstance(transcriber, WordTranscriber):
            return None
        recognizer = StreamingRecognizer(transcriber, language=self.options.language)
        # the model starts on the committed words while the person is still talking
        history = tuple(self.history)
        return StreamingSession(
            recognizer, on_commit=self.pipeline.early_prefill(lambda: recognizer.language,
                                                              history),
            enough=lambda heard: self.pipeline.early_opener(heard, history,
                                                            self.scope) is not None)

    def _drop_stream(self) -> None:
        stream, self.stream = self.stream, None
        if stream is not None:
            stream.close()

    def _rescan_devices(self) -> None:
        """Look for devices again (a microphone plugged in since); this stops playback."""
        self.player.stop()
        devices.refresh(self.sd)
        self.mic_choice = self._choose_mic()
        self.rescan = False
        self.screen.log(f"microphone: {self.mic_choice.name} at {self.mic_choice.rate} Hz")
        self.open_output()

    def _do_send_recording(self, _command: Command) -> None:
        mic, self.mic = self.mic, None
        if mic is None:
            return
        audio = mic.stop()
        failure = mic.failure()
        stream, self.stream = self.stream, None
        if failure or not len(audio.samples):
            if stream is not None:
                stream.close()
            self._lost(audio, failure or f"The microphone '{mic.choice.name}' delivered no "
                                         "audio. Press space to try again, or t to type.")
            return
        self._submit(audio=resample(audio, ASR_RATE),
                     request=f"microphone: {audio.duration_s:.1f} s",
                     transcribe=stream.finish if stream is not None else None,
                     heard=stream.heard() if stream is not None else None)

    def _do_cancel_recording(self, _command: Command) -> None:
        if self.mic is not None:
            self.mic.stop()
            self.mic = None
            self._drop_stream()
            self.screen.log(t("talk.cancelled", self.lang))

    def _recording_lost(self, failure: str) -> None:
        mic, self.mic = self.mic, None
        self._drop_stream()
        self.machine.listening_failed()
        self.rescan = True
        self._lost(mic.stop(), failure)

    def _lost(self, audio: Audio, message: str) -> None:
        self.rescan = True
        kept = self.log.keep_lost_recording(audio)
        self.screen.log(message + (f" What was recorded is kept in {kept}." if kept else ""))

    def _do_submit_text(self, command: Command) -> None:
        self._submit(text=command.text, request="text")

    def _do_stop_playback(self, _command: Command) -> None:
        self.player.stop()
        for playback in self.playbacks.values():
            playback.muted = True
        self.machine.playback(None)

    def _do_note(self, command: Command) -> None:
        """A key with nothing to do: say so, so no key press goes unanswered."""
        if command.text == NOTE_NOTHING_PLAYING:
            self.screen.log(t("talk.nothing_playing", self.lang))
        elif command.text == NOTE_TYPING_CANCELLED:
            self.screen.log(t("talk.typing_cancelled", self.lang))
        else:
            self.screen.log(t("talk.unknown_key", self.lang, key=command.text.removeprefix("key:"),
                              help=t("talk.help", self.lang)))

    def _do_replay(self, _command: Command) -> None:
        if self.last_music is None:
            self.screen.log(t("talk.nothing_to_replay", self.lang))
            return
        if self.player.writes_files_only:
            self.screen.log(t("talk.replay_no_device", self.lang, path=self._last_music_file()))
            return
        self._do_stop_playback(_command)
        self.player.play(self.last_music, "music")
        self.screen.log(t("talk.replaying", self.lang))

    def _last_music_file(self) -> Path | str:
        record = self.last_record or {}
        music = record.get("music") or {}
        if music.get("file") and record.get("folder"):
            return self.log.folder / record["folder"] / music["file"]
        return self.log.folder

    def _do_save(self, _command: Command) -> None:
        if self.last_record is None:
            self.screen.log("nothing to save yet")
            return
        saved = self.log.save_copy(self.last_record, self.save_dir)
        self.screen.log("saved " + ", ".join(map(str, saved)) if saved
                        else "nothing to save: the last turn made no music")

    def _do_toggle_voice(self, _command: Command) -> None:
        voices = list(self.pipeline.speakers)
        if len(voices) < 2:
            self.screen.log(f"only one voice is available: {', '.join(voices) or 'none'}")
            return
        current = self._voice_to_play()
        self.voice = voices[(voices.index(current) + 1) % len(voices)]
        self.screen.log(f"voice: {self.voice} (from the next turn)")

    def _do_quit(self, _command: Command) -> None:
        if self.pending and not self.quitting:
            self.quitting = True
            self.screen.log("finishing the turn in progress so its files are complete "
                            "(press q again to leave now)")
            return
        self.running = False

    # ------------------------------------------------------------------ turns
    def _voice_to_play(self) -> str | None:
        if self.voice in self.pipeline.speakers:
            return self.voice
        return self.pipeline.primary_voice()

    def _submit(self, audio: Audio | None = None, text: str | None = None,
                request: str = "", transcribe: Any = None, heard: Any = None) -> None:
        folder = self.log.new_turn()
        if audio is not None:
            self.log.keep_recording(folder, audio)
        number = self.log.turns
        for playback in self.playbacks.values():
            playback.muted = True  # only the newest turn may speak
        self.playbacks[number] = TurnPlayback(self._voice_to_play(), self.pipeline.primary_voice())
        self.pending += 1
        self.stage = ""
        self.machine.turn_started()
        self._jobs.put(_Job(number, folder, audio, text, request, transcribe, heard))

    def _work(self) -> None:
        while (job := self._jobs.get()) is not None:
            self._run_job(job)

    def _run_job(self, job: _Job) -> None:
        """On the worker thread: run one turn and write everything it made."""
        try:
            turn = self.pipeline.run(
                audio=job.audio, text=job.text, language=self.options.language,
                request=job.request, history=self.history,
                on_event=lambda e, n=job.number: self.inbox.put(("event", n, e)),
                transcribe=job.transcribe, scope=self.scope, heard=job.heard)
            self.history.append(turn)
            record = self.log.finish_turn(turn, job.folder)
        except Exception as exc:  # a bug must not end the session; the recording is on disk
            log.exception("turn %d crashed", job.number)
            self.inbox.put(("crashed", job.number, f"{type(exc).__name__}: {exc}"))
            return
        self.inbox.put(("saved", job.number, record))

    def on_event(self, number: int, event: TurnEvent) -> None:
        """Show what the turn did, and queue whatever became playable."""
        self._show(event)
        playback = self.playbacks.get(number)
        if playback is None:
            return
        for audio, kind in playback.handle(event):
            self.player.play(audio, kind)
        if event.kind == "music_ready" and event.audio is not None:
            self.last_music = event.audio

    def _show(self, event: TurnEvent) -> None:
        if event.kind == EVENT_STAGE_STARTED:
            self.stage = event.stage
        elif event.kind == EVENT_TRANSCRIPT:
            self.screen.log(f"you ({event.data.language}): {event.text}")
        elif event.kind == EVENT_SAY:
            self.screen.log(f"agent: {event.text}")
        elif event.kind == EVENT_REPLY and not self.pipeline.speakers:
            self.screen.log(f"agent: {event.text}")
        elif event.kind == EVENT_STAGE_FAILED:
            self.screen.log(f"{stage_name(event.stage, self.lang)}: {event.text}")

    def on_saved(self, number: int, record: dict) -> None:
        """A turn ended and its files and log line are on disk."""
        self._turn_over()
        self.last_record = record
        self.screen.log(turn_summary(record, self.lang))
        if self.player.writes_files_only:
            files = [f for f in _audio_files(record)]
            self.screen.log(f"no output device: listen to {', '.join(files) or 'nothing'} "
                            f"in {self.log.folder / record['folder']}")
        if self.quitting and not self.pending:
            self.running = False

    def on_crashed(self, number: int, message: str) -> None:
        """A turn failed unexpectedly; the session goes on."""
        self._turn_over()
        self.screen.log(f"turn {number} failed unexpectedly ({message}); its recording is "
                        f"kept in {self.log.folder}. See the log with -v.")
        if self.quitting and not self.pending:
            self.running = False

    def _turn_over(self) -> None:
        self.pending -= 1
        if not self.pending:
            self.machine.turn_finished()

    # ------------------------------------------------------------------ screen
    def redraw(self) -> None:
        """Rewrite the state line."""
        self.screen.status(self.status_line())

    def status_line(self) -> str:
        """``[state] details · keys``, in the interface language."""
        state = self.machine.state
        lang = self.lang
        return f"[{t('state.' + state.value, lang)}] " + {
            State.LOADING: lambda: t("talk.loading", lang),
            State.READY: lambda: t("talk.help", lang),
            State.LISTENING: self._listening_line,
            State.TYPING: lambda: t("talk.typing", lang, typed=self.machine.typed),
            State.THINKING: lambda: t("talk.thinking", lang, stage=stage_name(self.stage, lang)
                                      if self.stage else t("talk.working", lang)),
            State.SPEAKING: lambda: t("talk.speaking", lang),
            State.PLAYING_MUSIC: self._music_line,
        }[state]()

    def _listening_line(self) -> str:
        if self.mic is None:
            return t("talk.mic_starting", self.lang)
        level, clipping = self.mic.level()
        held = " (held)" if self.machine.held else ""
        return (f"{render_meter(level, clipping=clipping)} {self.mic.seconds():4.1f}s{held}   "
                + t("talk.listening", self.lang))

    def _music_line(self) -> str:
        played, total = self.player.progress()
        return t("talk.music", self.lang, played=played, total=total)

    def shutdown(self) -> None:
        """Release the devices and the worker."""
        if self.mic is not None:
            self.mic.stop()
            self.mic = None
        self.player.close()
        self._jobs.put(None)
        self.screen.log(f"bye. everything is in {self.log.folder}")


def _audio_files(record: dict) -> list[str]:
    files = [s["file"] for s in record["speech"].values() if s.get("file")]
    if record.get("music") and record["music"].get("file"):
        files.append(record["music"]["file"])
    return files


def turn_summary(record: dict, lang: str = "en") -> str:
    """Per-stage timings and latency marks of a finished turn, on one or two lines."""
    timings = " · ".join(f"{stage_name(k, lang)} {v:.2f}s" for k, v in record["timings"].items())
    latency = record.get("latency") or {}
    marks = ", ".join(f"{stage_name(k, lang)} {v:.2f}s" for k, v in latency.items())
    line = f"{t('talk.timings', lang)}: {timings}"
    return line + (f"\n         {t('talk.from_end', lang)}: {marks}" if marks else "") + \
        f"\n         {t('talk.saved_in', lang, folder=record['folder'])}"
