"""The Talk tab's session panel: one session per browser tab, reopening a past one, and the
versions of the piece (play, A/B, continue from here).

Every browser tab starts its own session (``s-1a2b3c4d``), kept in the tab's state and in
the page address (``?session=ID``), so a reload keeps it and two tabs never share a
history. Sessions are the clip library's (:mod:`voice_agent.library.sessions`): the same
ones ``voice-agent run --session``, ``talk`` and ``POST /api/turn`` write, so a session
started anywhere can be reopened here and continued.

"Continue from here" is :meth:`AgentService.go_to_version`, the voice command "go back to
version N" itself: the reply, the turn record and the session say what was done, exactly
as when it is spoken, and the next edit starts from that version.

:class:`SessionActions` holds what the controls do as plain methods (name -> value
dicts, testable without a browser); :func:`session_panel` lays the controls out.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

import gradio as gr

from voice_agent.core.types import MusicPlan
from voice_agent.library.files import LibraryError
from voice_agent.library.sessions import (SessionInfo, SessionTurn, Version, check_session_name,
                                          new_session_name)
from voice_agent.modes.ui_text import t
from voice_agent.modes.web.common import failure_message, message
from voice_agent.service import AgentService
from voice_agent.service.sessions import keeps_sessions, session_store

#: Runs in the browser after the session changes: put it in the address (?session=ID) so a
#: reload of this tab reopens it, without reloading the page.
URL_JS = """(name) => {
  if (name) {
    const url = new URL(window.location.href);
    url.searchParams.set("session", name);
    window.history.replaceState(null, "", url);
  }
  return [];
}"""
#: A/B at the same position: whichever of the two players is playing pauses and the other
#: plays on from the same second (neither playing: B starts where A stands).
SWITCH_JS = """() => {
  const a = document.querySelector("#session-a-audio audio");
  const b = document.querySelector("#session-b-audio audio");
  if (!a || !b) return [];
  const [from, to] = b.paused ? [a, b] : [b, a];
  const at = from.currentTime;
  from.pause();
  to.currentTime = Number.isFinite(to.duration) ? Math.min(at, to.duration) : at;
  to.play();
  return [];
}"""
#: The Talk tab's fields that "continue from here" fills with its turn.
TALK_FIELDS = ("transcript", "reply", "music_prompt", "plan", "music")
#: Runs in the browser on page load: the session the address names, for the server.
ASKED_JS = """() => new URLSearchParams(window.location.search).get("session") || "" """

_CHANGE_ES = [(r"^first version$", "primera versión"), (r"^no change$", "sin cambios"),
              (r"^new take \(same plan\)$", "otra toma (el mismo plan)"),
              (r"^genre ", "estilo "), (r"^key ", "tonalidad "), (r"^added ", "con "),
              (r"^removed ", "sin "), (r"^mood ", "carácter "), (r"^length ", "duración "),
              (r"\bmajor\b", "mayor"), (r"\bminor\b", "menor")]


def change_words(changed: str, lang: str = "en") -> str:
    """What changed, as the session stored it ("tempo 180 -> 207 BPM; added piano"),
    in the interface language ("tempo 180 → 207 BPM; con piano")."""
    parts = [part.strip() for part in changed.split(";") if part.strip()]
    if lang == "es":
        for pattern, words in _CHANGE_ES:
            parts = [re.sub(pattern, words, part) for part in parts]
    return "; ".join(part.replace(" -> ", " → ") for part in parts)


def plan_summary(plan: MusicPlan, lang: str = "en") -> str:
    """Genre, tempo, key and mode, length and instruments in one line."""
    mode = t(f"session.mode.{plan.mode}", lang) if plan.mode in ("major", "minor") else plan.mode
    instruments = ", ".join(i.replace("_", " ") for i in plan.instruments)
    return (f"{plan.genre.replace('_', ' ')} · {plan.bpm} BPM · {plan.key} {mode} · "
            f"{plan.duration_s:g} s" + (f" · {instruments}" if instruments else ""))


def versions_table(versions: Sequence[Version], current: int | None, lang: str = "en") -> str:
    """The versions as a Markdown table: number, the current mark, the plan, what changed."""
    if not versions:
        return t("session.no_versions", lang)
    head = (f"| # | | {t('session.col.plan', lang)} | {t('session.col.from', lang)} | "
            f"{t('session.col.changed', lang)} |\n|---:|---|---|---:|---|\n")
    rows = [f"| {v.number} | {'▶ ' + t('session.current', lang) if v.number == current else ''}"
            f" | {plan_summary(v.plan, lang)} | {v.parent or ''} | "
            f"{change_words(v.changed, lang)} |" for v in versions]
    return head + "\n".join(rows)


def session_choice(info: SessionInfo, lang: str = "en") -> tuple[str, str]:
    """(label, name) for the chooser: the name, the first request, turns and last use."""
    first = info.first_request if len(info.first_request) <= 40 else \
        info.first_request[:39] + "…"
    label = t("session.choice", lang, name=info.name, first=first or "—", turns=info.turns,
              used=info.updated_at.replace("T", " ")[:16])
    return label, info.name


def turn_messages(turn: SessionTurn, audio: str | None, lang: str = "en") -> list[dict[str, Any]]:
    """A stored turn as the conversation log shows it: what was asked, the reply with its
    plan and version, and a player for its clip (``audio``, a servable copy) when it had one."""
    asked = turn.transcript or turn.request or "…"
    lines = [turn.say or "—"]
    if turn.plan is not None:
        lines.append(f"*{plan_summary(turn.plan, lang)} · seed {turn.plan.seed}*")
    if turn.version is not None:
        lines.append(t("session.turn_version", lang, number=turn.version))
    messages: list[dict[str, Any]] = [{"role": "user", "content": asked},
                                      {"role": "assistant", "content": "\n\n".join(lines)}]
    if audio:
        messages.append({"role": "assistant", "content": gr.Audio(
            audio, label=t("talk.music_player", lang),
            waveform_options=gr.WaveformOptions(show_recording_waveform=False))})
    return messages


class SessionActions:
    """What the session panel's controls do, on the service (see the module docstring)."""

    def __init__(self, service: AgentService, publish: Any, lang: str = "en") -> None:
        self.service = service
        self.publish = publish
        self.lang = lang

    @property
    def on(self) -> bool:
        """True when sessions are kept (the clip library is on)."""
        return keeps_sessions(self.service.pipeline)

    # -- which session this tab is in ---------------------------------------------------

    def start(self, asked: str | None = None) -> dict[str, Any]:
        """A page (re)loaded: the session its address names (reopened when it is stored,
        so a reload keeps the tab's session), else a new one."""
        name = self._stored(asked)
        if name is None:
            return self.new(asked)
        return {**self.open(name), "session_status": message(
            t("session.continued", self.lang, name=name), "ok", self.lang)}

    def new(self, name: str | None = None) -> dict[str, Any]:
        """A fresh session for this tab (``name`` when usable): an empty log, no versions."""
        try:
            name = check_session_name(name) if name else new_session_name()
        except LibraryError:
            name = new_session_name()
        return {**self._panel(name, [], None), "session": name, "session_id": name, "log": [],
                "session_status": message(t("session.started" if self.on else "session.off",
                                            self.lang, name=name), "info", self.lang)}

    def open(self, name: str | None) -> dict[str, Any]:
        """Reopen a stored session: its conversation log and versions; the next request
        continues it."""
        if not name:
            return {"session_status": message(t("session.pick", self.lang), "error", self.lang)}
        try:
            detail = self.service.session(name)
            log = [m for turn in detail.turns
                   for m in turn_messages(turn, self._clip_copy(turn.clip_id), self.lang)]
        except Exception as exc:  # noqa: BLE001 - shown on the page
            return {"session_status": failure_message(exc)}
        return {**self._panel(detail.info.name, detail.versions, detail.current),
                "session": detail.info.name, "session_id": detail.info.name, "log": log,
                "session_status": message(t("session.opened", self.lang, name=detail.info.name,
                                            turns=detail.info.turns), "ok", self.lang)}

    def choices(self) -> list[tuple[str, str]]:
        """The chooser's entries: every stored session, most recently used first."""
        if not self.on:
            return []
        return [session_choice(info, self.lang) for info in self.service.sessions()]

    def _stored(self, asked: str | None) -> str | None:
        """``asked`` when it names a stored session (anything else starts a new one)."""
        if not asked or not self.on:
            return None
        try:
            name = check_session_name(asked)
            return name if session_store(self.service.pipeline).exists(name) else None
        except LibraryError:
            return None

    # -- versions ---------------------------------------------------------------------------

    def refresh(self, name: str | None) -> dict[str, Any]:
        """The version list and choices after a turn (the chooser too: the session is in it)."""
        if not name or not self.on or self._stored(name) is None:
            return self._panel(name, [], None)
        detail = self.service.session(name)
        return self._panel(name, detail.versions, detail.current)

    def _panel(self, name: str | None, versions: Sequence[Version],
               current: int | None) -> dict[str, Any]:
        numbers = [str(v.number) for v in versions]
        last = numbers[-1] if numbers else None
        before = numbers[-2] if len(numbers) > 1 else last
        chosen = str(current) if current is not None else last
        table = versions_table(versions, current, self.lang) if self.on else \
            t("session.off", self.lang, name=name or "")
        return {"versions": table,
                "version": gr.update(choices=numbers, value=chosen),
                "version_a": gr.update(choices=numbers, value=before),
                "version_b": gr.update(choices=numbers, value=last),
                "chooser": gr.update(choices=self.choices(), value=None)}

    def play(self, name: str | None, number: str | None) -> dict[str, Any]:
        """Play one version in the panel's player (nothing changes in the session)."""
        try:
            version = self._version(name, number)
            return {"played": self._clip_copy(version.clip_id),
                    "session_status": message(t("session.playing", self.lang,
                                                number=version.number), "ok", self.lang)}
        except Exception as exc:  # noqa: BLE001 - shown on the page
            return {"session_status": failure_message(exc)}

    def compare(self, name: str | None, a: str | None, b: str | None) -> dict[str, Any]:
        """Versions A and B in two players side by side (nothing changes in the session)."""
        try:
            first, second = self._version(name, a), self._version(name, b)
            return {"a_audio": self._clip_copy(first.clip_id),
                    "b_audio": self._clip_copy(second.clip_id),
                    "session_status": message(t("session.comparing", self.lang, a=first.number,
                                                b=second.number), "ok", self.lang)}
        except Exception as exc:  # noqa: BLE001 - shown on the page
            return {"session_status": failure_message(exc)}

    def continue_from(self, name: str | None, number: str | None, speaker: str | None,
                      language: str | None,
                      history: list[dict[str, Any]] | None) -> dict[str, Any]:
        """Make the version current, by the voice command's own operation (the turn goes
        in the log); the next edit starts from it."""
        from voice_agent.modes.web.app import conversation_messages  # app imports this module

        try:
            version = self._version(name, number)
            lang = language if language in ("en", "es") else self.lang
            result = self.service.go_to_version(name, version.number, lang, speaker or None)
        except Exception as exc:  # noqa: BLE001 - shown on the page
            return {"session_status": failure_message(exc)}
        log = [*(history or []), *conversation_messages(result, self.lang, self.publish)]
        turn, music = result.turn, self.publish(result.path("music"))
        said = turn.reply.say if turn.reply else ""
        heard = f"({turn.transcript.language}) {turn.transcript.text}" if turn.transcript else ""
        plan = result.record["reply"]["plan"] if result.record.get("reply") else None
        return {**self.refresh(name), "log": log, "played": music,
                # the Talk tab's own fields show this turn, as for a spoken "go back"
                "transcript": heard, "reply": said, "plan": plan, "music": music,
                "music_prompt": turn.reply.music_prompt if turn.reply else "",
                "session_status": message(t("session.continuing", self.lang,
                                            number=version.number) + f" {said}", "ok",
                                          self.lang)}

    def _version(self, name: str | None, number: str | None) -> Version:
        if not name or not self.on:
            raise LibraryError(t("session.no_versions", self.lang))
        if not number:
            raise LibraryError(t("session.pick_version", self.lang))
        return session_store(self.service.pipeline).version(name, int(number))

    def _clip_copy(self, clip_id: int | None) -> str | None:
        """A servable copy of a stored clip's audio; None when it was deleted since."""
        if clip_id is None:
            return None
        try:
            record = session_store(self.service.pipeline).library.clip(clip_id)
        except LibraryError:
            return None
        return self.publish(record.audio_path)


def session_panel(actions: SessionActions, session: gr.State, log: gr.Chatbot,
                  player: gr.WaveformOptions) -> "SessionPanel":
    """The session chooser and the version list (inside the Talk tab)."""
    lang = actions.lang
    with gr.Accordion(t("session.title", lang), open=True, elem_id="session-panel"):
        with gr.Row():
            session_id = gr.Textbox(label=t("session.id", lang), interactive=False, max_lines=1,
                                    elem_id="session-id", scale=1)
            chooser = gr.Dropdown([], label=t("session.past", lang), elem_id="session-chooser",
                                  scale=3, interactive=True)
            with gr.Column(scale=1, min_width=160):
                reopen = gr.Button(t("session.open", lang), elem_id="session-open", size="sm")
                fresh = gr.Button(t("session.new", lang), elem_id="session-new", size="sm")
        status = gr.Markdown(elem_id="session-status")
        versions = gr.Markdown(t("session.no_versions", lang), elem_id="session-versions")
        with gr.Row():
            version = gr.Dropdown([], label=t("session.version", lang), elem_id="session-version",
                                  scale=1)
            play = gr.Button(t("session.play", lang), elem_id="session-play", scale=1)
            keep = gr.Button(t("session.continue", lang), variant="primary",
                             elem_id="session-continue", scale=1)
        played = gr.Audio(label=t("session.played", lang), elem_id="session-played",
                          waveform_options=player)
        with gr.Row():
            version_a = gr.Dropdown([], label="A", elem_id="session-a", scale=1)
            version_b = gr.Dropdown([], label="B", elem_id="session-b", scale=1)
            compare = gr.Button(t("session.compare", lang), elem_id="session-compare", scale=1)
            switch = gr.Button(t("session.switch", lang), elem_id="session-switch", scale=1)
        with gr.Row():
            a_audio = gr.Audio(label="A", elem_id="session-a-audio", waveform_options=player)
            b_audio = gr.Audio(label="B", elem_id="session-b-audio", waveform_options=player)
    components = dict(session=session, session_id=session_id, log=log, versions=versions,
                      version=version, version_a=version_a, version_b=version_b,
                      chooser=chooser, played=played, a_audio=a_audio, b_audio=b_audio,
                      session_status=status)
    panel = SessionPanel(actions, components)
    panel.wire(reopen, fresh, play, compare, keep)
    switch.click(None, None, None, js=SWITCH_JS, api_name=False)  # in the browser only
    return panel


class SessionPanel:
    """The panel's controls and their events (made by :func:`session_panel`)."""

    def __init__(self, actions: SessionActions, components: dict[str, Any]) -> None:
        self.actions = actions
        self.components = components
        self._keep: Any = None  # "continue from here": wired once the Talk tab's voice is known

    def bind(self, update: dict[str, Any]) -> dict[Any, Any]:
        """Name -> value becomes component -> value."""
        return {self.components[n]: v for n, v in update.items() if n in self.components}

    @property
    def outputs(self) -> list[Any]:
        return list(self.components.values())

    def _then_url(self, event: Any) -> None:
        event.then(None, self.components["session_id"], None, js=URL_JS)

    def wire(self, reopen: gr.Button, fresh: gr.Button, play: gr.Button, compare: gr.Button,
             keep: gr.Button) -> None:
        c, a = self.components, self.actions
        self._then_url(reopen.click(lambda name: self.bind(a.open(name)), c["chooser"],
                                    self.outputs, api_name=False))
        self._then_url(fresh.click(lambda: self.bind(a.new()), None, self.outputs,
                                   api_name=False))
        # a list made when the page loaded misses sessions begun since (other tabs, run)
        c["chooser"].focus(lambda: gr.update(choices=a.choices()), None, c["chooser"],
                           api_name=False)
        play.click(lambda s, n: self.bind(a.play(s, n)), [c["session"], c["version"]],
                   self.outputs, api_name=False)
        compare.click(lambda s, x, y: self.bind(a.compare(s, x, y)),
                      [c["session"], c["version_a"], c["version_b"]], self.outputs,
                      api_name=False)
        self._keep = keep

    def connect(self, speaker: Any, language: Any, turns: Sequence[Any],
                talk: dict[str, Any]) -> None:
        """Refresh the versions after each turn, and let "continue from here" speak in the
        Talk tab's voice and language and show its turn in the Talk tab's fields (``talk``:
        name -> component)."""
        c, a = self.components, self.actions
        for event in turns:
            event.then(lambda s: self.bind(a.refresh(s)), c["session"], self.outputs,
                       api_name=False)
        shown = {**{n: talk[n] for n in TALK_FIELDS if n in talk}, **c}

        def keep(s, n, sp, lg, h):
            update = a.continue_from(s, n, sp, lg, h)
            return {shown[name]: value for name, value in update.items() if name in shown}

        self._keep.click(keep, [c["session"], c["version"], speaker, language, c["log"]],
                         list(shown.values()), api_name=False)

    def start_on_load(self, blocks: gr.Blocks) -> None:
        """Each page load starts its tab's session (the one in the address, else a new one).
        Called inside ``blocks``."""
        self._then_url(blocks.load(lambda asked: self.bind(self.actions.start(asked)),
                                   self.components["session_id"], self.outputs, js=ASKED_JS,
                                   api_name=False))
