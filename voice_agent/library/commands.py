"""Apply library commands and lyrics requests inside a turn; store every rendered clip.

:class:`LibrarySession` is the pipeline's one hook into the library:

- :meth:`LibrarySession.before_music` runs after the responder. For a library intent it
  does what was asked (save, list, play, remove, clear — after a yes — and so on) and
  rewrites the reply's words to say what was done, in the person's language. For "make
  another like number 1" it sets the plan to that clip's with a new seed; for a lyrics
  request it writes the lyrics and attaches them to the reply. For "play number 2" it
  returns the stored clip, which the pipeline plays instead of rendering.
- :meth:`LibrarySession.after_turn` stores the clip the turn rendered (with its lyrics,
  and the lyrics spoken over it when that is switched on) and records what the library
  did in ``Turn.library``.
"""

from __future__ import annotations

import dataclasses
import logging
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from voice_agent.responder.commands import (ALL_PLAYLISTS, DEFAULT_PLAYLIST, LAST_ITEM,
                                           parse_version_command)
from voice_agent.core.errors import VoiceAgentError
from voice_agent.library.lyrics import LyricsWriter, parse_lyrics_request
from voice_agent.library.records import LIBRARY_BACKEND, ClipRecord, PlaylistEntry
from voice_agent.library.sessions import SessionStore, Version
from voice_agent.library.store import Library, LibraryError, playlist_name
from voice_agent.speech.protocol import Speaker
from voice_agent.core.types import (VERSION_INTENTS, Audio, Intent, Lyrics, MusicClip, MusicPlan,
                                    Reply, StageError, StageTiming, Transcript, Turn)

log = logging.getLogger(__name__)

PENDING_KEY = "pending_confirmation"
CURRENT_KEY = "current_clip"
PENDING_TTL_S = 300.0
LIST_SPOKEN_MAX = 5
COMPARE_GAP_S = 0.8  # silence between the two versions of a comparison

_MESSAGES: dict[str, dict[str, str]] = {
    "en": {
        "off": "I can't do that: the clip library is switched off.",
        "nothing_to_save": "There's no clip to save yet. Ask me for some music first.",
        "saved": "Saved to {playlist} as number {number}.",
        "already": "That one is already in {playlist}, as number {number}.",
        "empty": "Your {playlist} playlist is empty. Say \"save this\" after a clip you like.",
        "listing": "{playlist} has {count} clip{s}: {items}.",
        "more": "and {count} more",
        "playlists": "You have {count} playlist{s}: {items}.",
        "playlist_count": "{playlist}, {count} clip{s}",
        "no_playlists": "You have no playlists yet. Say \"save this to\" and a name after a clip you like.",
        "no_number": "There's no number {number} in {playlist}: it has {count} clip{s}.",
        "playing": "Playing number {number} from {playlist}: {title}.",
        "missing_audio": "I can't play number {number}: its audio file is missing.",
        "removed": "Removed number {number}, {title}, from {playlist}.",
        "ask_clear": "Clear all {count} clip{s} from {playlist}? Say yes to confirm or no to keep them.",
        "cleared": "Done: {playlist} is empty now ({count} clip{s} removed).",
        "already_empty": "{playlist} is already empty.",
        "nothing_pending": "There's nothing waiting for a yes or no right now.",
        "kept": "OK, I left {playlist} as it was.",
        "another": "Here's another one like {source}: {genre} at {bpm} BPM.",
        "another_which": "Another one like which? Say, for example, \"make another like number 1\".",
        "the_last_clip": "the last clip",
        "number_n": "number {number}",
        "lyrics": "Here's {title}, a {genre} song. The lyrics are on screen.",
        "lyrics_template": "Here's {title}, a {genre} song; I wrote the lyrics from my templates.",
        "no_session": "I only keep versions within a session, and this isn't one. Start one "
                      "with --session NAME.",
        "no_versions": "There are no versions yet in this session. Ask me for some music first.",
        "no_version": "There's no version {number}: this session has {count} version{s}.",
        "no_version_back": "There's no version {back} before the last: this session has {count} version{s}.",
        "nothing_to_undo": "There's nothing to undo: version {number} is the first one.",
        "one_version": "There's only version 1 so far, so there's nothing to compare yet.",
        "version_missing_audio": "I can't play version {number}: its clip is gone.",
        "went_back": "Here's version {number} again: {genre} at {bpm} BPM.",
        "undone": "Undone: back to version {number}, {genre} at {bpm} BPM.",
        "playing_version": "Playing version {number}: {genre} at {bpm} BPM.",
        "comparing": "First version {first}: {first_genre} at {first_bpm} BPM. Then version "
                     "{second}: {second_genre} at {second_bpm} BPM.",
    },
    "es": {
        "off": "No puedo hacerlo: la biblioteca de clips está desactivada.",
        "nothing_to_save": "Todavía no hay ningún clip que guardar. Pídeme música primero.",
        "saved": "Guardada en {playlist} como la número {number}.",
        "already": "Esa ya está en {playlist}, es la número {number}.",
        "empty": "Tu lista {playlist} está vacía. Di \"guárdala\" después de un clip que te guste.",
        "listing": "{playlist} tiene {count} clip{s}: {items}.",
        "more": "y {count} más",
        "playlists": "Tienes {count} lista{s}: {items}.",
        "playlist_count": "{playlist}, con {count} clip{s}",
        "no_playlists": "Todavía no tienes listas. Di \"guárdala en\" y un nombre después de un clip que te guste.",
        "no_number": "No hay número {number} en {playlist}: tiene {count} clip{s}.",
        "playing": "Pongo la número {number} de {playlist}: {title}.",
        "missing_audio": "No puedo poner la número {number}: falta su archivo de audio.",
        "removed": "He quitado la número {number}, {title}, de {playlist}.",
        "ask_clear": "¿Borro los {count} clip{s} de {playlist}? Di sí para confirmar o no para dejarlos.",
        "cleared": "Hecho: {playlist} está vacía ({count} clip{s} quitados).",
        "already_empty": "{playlist} ya está vacía.",
        "nothing_pending": "Ahora mismo no hay nada pendiente de confirmar.",
        "kept": "Vale, he dejado {playlist} como estaba.",
        "another": "Aquí tienes otra como {source}: {genre} a {bpm} BPM.",
        "another_which": "¿Otra como cuál? Di, por ejemplo, \"haz otra como la número 1\".",
        "the_last_clip": "la última",
        "number_n": "la número {number}",
        "lyrics": "Aquí tienes {title}, una canción de {genre}. La letra está en pantalla.",
        "lyrics_template": "Aquí tienes {title}, una canción de {genre}; la letra sale de mis plantillas.",
        "no_session": "Solo guardo versiones dentro de una sesión, y esta no lo es. Empieza una "
                      "con --session NOMBRE.",
        "no_versions": "Todavía no hay versiones en esta sesión. Pídeme música primero.",
        "no_version": "No hay versión {number}: esta sesión tiene {count} versi{ones}.",
        "no_version_back": "No hay versión {back} antes de la última: esta sesión tiene {count} versi{ones}.",
        "nothing_to_undo": "No hay nada que deshacer: la versión {number} es la primera.",
        "one_version": "Solo hay una versión por ahora, así que aún no hay nada que comparar.",
        "version_missing_audio": "No puedo poner la versión {number}: su clip ya no está.",
        "went_back": "Aquí tienes otra vez la versión {number}: {genre} a {bpm} BPM.",
        "undone": "Deshecho: vuelvo a la versión {number}, {genre} a {bpm} BPM.",
        "playing_version": "Pongo la versión {number}: {genre} a {bpm} BPM.",
        "comparing": "Primero la versión {first}: {first_genre} a {first_bpm} BPM. Después la "
                     "versión {second}: {second_genre} a {second_bpm} BPM.",
    },
}
_PLAYLIST_NAMES = {"es": {DEFAULT_PLAYLIST: "favoritos"}}


def message(language: str, key: str, **values: Any) -> str:
    """A library message in ``language`` (English when unsupported)."""
    table = _MESSAGES.get(language, _MESSAGES["en"])
    if "count" in values:
        values.setdefault("s", "" if values["count"] == 1 else "s")
        values.setdefault("ones", "ón" if values["count"] == 1 else "ones")
    if "playlist" in values:
        values["playlist"] = _PLAYLIST_NAMES.get(language, {}).get(values["playlist"],
                                                                   values["playlist"])
    return table[key].format(**values)


@dataclass(frozen=True)
class LibraryAction:
    """What the library did in one turn (``Turn.library``)."""

    intent: str
    done: bool
    message: str = ""
    playlist: str | None = None
    item: int | None = None
    clip_id: int | None = None
    stored_clip_id: int | None = None
    entries: tuple[PlaylistEntry, ...] = ()  # those a listing read out, or the one removed
    pending_confirmation: str | None = None
    lyrics_audio: Audio | None = None
    #: versions of the session's piece: those played (in order), and the one this turn
    #: rendered (``version``) or made current again
    versions: tuple[int, ...] = ()
    session: str | None = None
    version: int | None = None
    #: the playlists a listing of them all named ("Tienes 1 lista: perreo intenso, ...")
    playlists: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready data for the turn record."""
        return {"intent": self.intent, "done": self.done, "message": self.message,
                "playlist": self.playlist, "item": self.item, "clip_id": self.clip_id,
                "stored_clip_id": self.stored_clip_id, "session": self.session,
                "version": self.version, "versions": list(self.versions),
                "entries": [e.to_dict() for e in self.entries],
                "playlists": list(self.playlists),
                "pending_confirmation": self.pending_confirmation,
                "lyrics_audio_s": round(self.lyrics_audio.duration_s, 3)
                if self.lyrics_audio is not None else None}


@dataclass(frozen=True)
class LibraryOutcome:
    """What :meth:`LibrarySession.before_music` did to a turn.

    ``reply`` is the reply to speak (rewritten for a library command; None only when the
    turn has no reply); ``played`` is a stored clip to play instead of rendering one (its
    ``library_clip_id`` says which); ``action`` is what the library did, or None when the
    reply was not for the library.
    """

    reply: Reply | None
    played: MusicClip | None = None
    action: LibraryAction | None = None


@dataclass(frozen=True)
class LibraryScope:
    """Whose library state one turn uses; passed with every call, never kept in the hook.

    ``session`` is the stored session the turn is kept in (None: none). ``owner`` is whose
    "current clip" and pending "are you sure?" these are: a server gives each request its
    session's id so two sessions never confirm or save each other's things. None: the
    stored session's name when there is one, else (one local user: the CLI, the talk mode
    without --session) the process-wide keys.
    """

    session: str | None = None
    owner: str | None = None

    def key(self, name: str) -> str:
        """The state key ``name`` of this scope."""
        owner = self.owner or self.session
        return name if not owner else f"{name}:{owner}"


class LibrarySession:
    """The pipeline's hook: library commands before the music, storing clips after.

    It holds no per-conversation state: each call gets the turn's :class:`LibraryScope`,
    so one hook serves any number of sessions at once.
    """

    def __init__(self, library: Library | None, lyrics_writer: LyricsWriter | None = None,
                 speak_lyrics: bool = False, duck_db: float = -9.0) -> None:
        self.library = library
        self.lyrics_writer = lyrics_writer or LyricsWriter(None)
        self.speak_lyrics = speak_lyrics
        self.duck_db = duck_db
        self.sessions = SessionStore(library) if library is not None else None

    def forget_session(self, session_id: str) -> None:
        """Drop a session's current clip and pending confirmation (a one-off request's)."""
        if self.library is not None:
            for name in (CURRENT_KEY, PENDING_KEY):
                self.library.set_state(f"{name}:{session_id}", None)

    # -- sessions -----------------------------------------------------------------------

    def open_session(self, name: str, history_turns: int = 4) -> tuple[str, list[Turn]]:
        """Session ``name`` (made when new): its stored name and its recent history.

        Pass ``LibraryScope(session=<that name>)`` with the turns to keep them in it.
        LibraryError when the library is switched off: sessions are stored in it.
        """
        if self.sessions is None:
            raise LibraryError(key="sessions_off")
        stored = self.sessions.open(name).name
        return stored, self.sessions.history(stored, history_turns)

    # -- before the music ---------------------------------------------------------------

    def before_music(self, reply: Reply, transcript: Transcript, history: Sequence[Turn] = (),
                     scope: LibraryScope = LibraryScope()) -> LibraryOutcome:
        """Apply a library command or lyrics request; other replies pass through unchanged."""
        if reply.intent is Intent.LYRICS:
            return self._lyrics(reply, transcript)
        if reply.intent in VERSION_INTENTS:
            return self._version_command(reply, transcript, scope)
        handlers = {Intent.SAVE: self._save, Intent.LIST: self._list, Intent.PLAY: self._play,
                    Intent.REMOVE: self._remove, Intent.CLEAR: self._clear,
                    Intent.CONFIRM: self._confirm, Intent.CANCEL: self._cancel,
                    Intent.ANOTHER_LIKE: self._another_like}
        handler = handlers.get(reply.intent)
        if handler is None:
            return LibraryOutcome(reply)
        if self.library is None and reply.intent is not Intent.ANOTHER_LIKE:
            return self._said(reply, LibraryAction(reply.intent.value, False,
                                                   message(reply.language, "off")))
        return handler(reply, scope)

    @staticmethod
    def _said(reply: Reply, action: LibraryAction, clip: MusicClip | None = None,
              **changes: Any) -> LibraryOutcome:
        """The reply rewritten to say ``action.message`` (plus any other field changes)."""
        return LibraryOutcome(dataclasses.replace(reply, say=action.message, **changes), clip,
                              action)

    def _entry_or_message(self, reply: Reply) -> tuple[str, list[PlaylistEntry], PlaylistEntry | None, str]:
        """(playlist, entries, the entry the reply names or None, why not in words)."""
        name = playlist_name(reply.playlist)
        entries = self.library.playlist(name)
        number = reply.item if reply.item is not None else LAST_ITEM
        if not entries:
            return name, entries, None, message(reply.language, "empty", playlist=name)
        if number != LAST_ITEM and not 1 <= number <= len(entries):
            return name, entries, None, message(reply.language, "no_number", number=number,
                                                playlist=name, count=len(entries))
        return name, entries, entries[-1] if number == LAST_ITEM else entries[number - 1], ""

    def current_clip(self, scope: LibraryScope = LibraryScope()) -> ClipRecord | None:
        """The clip "this" means: the last one rendered or played in this session (in a
        server session only its own, never another session's), else the newest stored."""
        if self.sessions is not None and scope.session is not None:
            clip_id = self.sessions.last_clip_id(scope.session)
            if clip_id is not None:  # another session's clip is not "this" one
                try:
                    return self.library.clip(clip_id)
                except LibraryError:
                    pass
        state = self.library.get_state(scope.key(CURRENT_KEY)) if self.library else None
        if state is not None:
            try:
                return self.library.clip(int(state[0]))
            except LibraryError:
                pass  # deleted since: fall back to the newest
        return self.library.last_clip() if self.library and not scope.owner else None

    def _save(self, reply: Reply, scope: LibraryScope) -> LibraryOutcome:
        clip = self.current_clip(scope)
        if clip is None:
            return self._said(reply, LibraryAction("save", False,
                                                   message(reply.language, "nothing_to_save")))
        name = playlist_name(reply.playlist)
        known = {e.clip.clip_id: e for e in self.library.playlist(name)}
        entry = known.get(clip.clip_id) or self.library.save_to_playlist(clip.clip_id, name)
        key = "already" if clip.clip_id in known else "saved"
        text = message(reply.language, key, playlist=name, number=entry.number)
        return self._said(reply, LibraryAction("save", True, text, name, entry.number,
                                               clip.clip_id))

    def _list(self, reply: Reply, scope: LibraryScope) -> LibraryOutcome:
        if reply.playlist == ALL_PLAYLISTS:
            return self._list_playlists(reply)
        name = playlist_name(reply.playlist)
        entries = self.library.playlist(name)
        if not entries:
            text = message(reply.language, "empty", playlist=name)
        else:
            items = [f"{e.number}, {e.clip.title}" for e in entries[:LIST_SPOKEN_MAX]]
            if len(entries) > LIST_SPOKEN_MAX:
                items.append(message(reply.language, "more",
                                     count=len(entries) - LIST_SPOKEN_MAX))
            text = message(reply.language, "listing", playlist=name, count=len(entries),
                           items="; ".join(items))
        return self._said(reply, LibraryAction("list", True, text, name,
                                               entries=tuple(entries)))

    def _list_playlists(self, reply: Reply) -> LibraryOutcome:
        """Which playlists there are, with how many clips each ("what playlists do I have?")."""
        lists = [p for p in self.library.playlists() if p.count]
        if not lists:
            text = message(reply.language, "no_playlists")
        else:
            names = "; ".join(message(reply.language, "playlist_count", playlist=p.name,
                                      count=p.count) for p in lists)
            text = message(reply.language, "playlists", count=len(lists), items=names)
        return self._said(reply, LibraryAction("list", True, text, None,
                                               playlists=tuple(p.name for p in lists)))

    def _play(self, reply: Reply, scope: LibraryScope) -> LibraryOutcome:
        name, _entries, entry, why = self._entry_or_message(reply)
        if entry is None:
            return self._said(reply, LibraryAction("play", False, why, name, reply.item))
        try:
            audio = self.library.load_audio(entry.clip.clip_id,
                                            with_lyrics=self.speak_lyrics)
        except VoiceAgentError:
            text = message(reply.language, "missing_audio", number=entry.number)
            return self._said(reply, LibraryAction("play", False, text, name, entry.number,
                                                   entry.clip.clip_id))
        clip = MusicClip(audio, entry.clip.plan or MusicPlan(), midi=_read(entry.clip.midi_path),
                         backend=LIBRARY_BACKEND, library_clip_id=entry.clip.clip_id)
        self.library.set_state(scope.key(CURRENT_KEY), entry.clip.clip_id)
        text = message(reply.language, "playing", number=entry.number, playlist=name,
                       title=entry.clip.title)
        action = LibraryAction("play", True, text, name, entry.number, entry.clip.clip_id)
        return self._said(reply, action, clip, plan=entry.clip.plan,
                          music_prompt=entry.clip.prompt, lyrics=entry.clip.lyrics)

    def _remove(self, reply: Reply, scope: LibraryScope) -> LibraryOutcome:
        name, entries, entry, why = self._entry_or_message(reply)
        if entry is None:
            return self._said(reply, LibraryAction("remove", False, why, name, reply.item))
        if reply.item is None:  # "remove it from my saved songs": the clip playing, if it is there
            current = self.current_clip(scope)
            entry = next((e for e in entries if current is not None
                          and e.clip.clip_id == current.clip_id), entry)
        removed = self.library.remove_from_playlist(entry.number, name)
        text = message(reply.language, "removed", number=removed.number, playlist=name,
                       title=removed.clip.title)
        return self._said(reply, LibraryAction("remove", True, text, name, removed.number,
                                               removed.clip.clip_id, entries=(removed,)))

    def _clear(self, reply: Reply, scope: LibraryScope) -> LibraryOutcome:
        name = playlist_name(reply.playlist)
        count = len(self.library.playlist(name))
        if not count:
            return self._said(reply, LibraryAction("clear", False, message(
                reply.language, "already_empty", playlist=name), name))
        pending = f"clear:{name}"
        self.library.set_state(scope.key(PENDING_KEY), {"action": pending, "at": time.time()})
        text = message(reply.language, "ask_clear", count=count, playlist=name)
        return self._said(reply, LibraryAction("clear", False, text, name,
                                               pending_confirmation=pending))

    def awaiting_answer(self, scope: LibraryScope) -> bool:
        """Whether an "are you sure?" may be waiting for this scope's yes or no. Without
        a library nothing can be known, and a "yes" is read as an answer, as when the
        pipeline has no library session (no warning: that is no failure)."""
        if self.library is None:
            return True
        try:
            return self._pending(scope) is not None
        except Exception as exc:  # unreadable state: read a "yes" as an answer, as before
            log.warning("could not read the pending confirmation: %s", exc)
            return True

    def _pending(self, scope: LibraryScope) -> str | None:
        """The confirmation waiting for a yes/no, unless it has expired."""
        state = self.library.get_state(scope.key(PENDING_KEY))
        if state is None:
            return None
        value = state[0]
        if time.time() - float(value.get("at", 0)) > PENDING_TTL_S:
            self.library.set_state(scope.key(PENDING_KEY), None)
            return None
        return str(value.get("action", ""))

    def _confirm(self, reply: Reply, scope: LibraryScope) -> LibraryOutcome:
        pending = self._pending(scope)
        if not pending or not pending.startswith("clear:"):
            return self._said(reply, LibraryAction("confirm", False, message(
                reply.language, "nothing_pending")))
        self.library.set_state(scope.key(PENDING_KEY), None)
        name = pending.removeprefix("clear:")
        count = self.library.clear_playlist(name)
        text = message(reply.language, "cleared", playlist=name, count=count)
        return self._said(reply, LibraryAction("confirm", True, text, name))

    def _cancel(self, reply: Reply, scope: LibraryScope) -> LibraryOutcome:
        pending = self._pending(scope)
        if not pending:
            return self._said(reply, LibraryAction("cancel", False, message(
                reply.language, "nothing_pending")))
        self.library.set_state(scope.key(PENDING_KEY), None)
        name = pending.partition(":")[2]
        return self._said(reply, LibraryAction("cancel", True, message(
            reply.language, "kept", playlist=name), name))

    def _another_like(self, reply: Reply, scope: LibraryScope) -> LibraryOutcome:
        source, label, why = self._another_source(reply, scope)
        if source is None and reply.plan is None:
            text = why or message(reply.language, "another_which")
            return self._said(reply, LibraryAction("another_like", False, text, reply.playlist,
                                                   reply.item), plan=None, music_prompt="")
        plan = reply.plan
        lyrics = None
        if source is not None and source.plan is not None:
            plan = source.plan.replace(seed=_new_seed(source.plan.seed, self.library.count()))
        if plan is None:
            return self._said(reply, LibraryAction("another_like", False, message(
                reply.language, "another_which")), plan=None, music_prompt="")
        if source is not None and source.lyrics is not None:
            lyrics = self._more_lyrics(source)
        from voice_agent.responder.replies import compose_music_prompt

        text = message(reply.language, "another", source=label or message(
            reply.language, "the_last_clip"), genre=plan.genre.replace("_", " "), bpm=plan.bpm)
        action = LibraryAction("another_like", True, text, reply.playlist, reply.item,
                               source.clip_id if source else None)
        return self._said(reply, action, plan=plan, music_prompt=compose_music_prompt(plan),
                          lyrics=lyrics)

    def _another_source(self, reply: Reply,
                        scope: LibraryScope) -> tuple[ClipRecord | None, str, str]:
        """(the clip to vary, how to name it, why there is none)."""
        if self.library is None:
            return None, "", ""
        if reply.item is None:
            return self.current_clip(scope), "", ""
        _name, _entries, entry, why = self._entry_or_message(reply)
        if entry is None:
            return None, "", why
        return entry.clip, message(reply.language, "number_n", number=entry.number), ""

    def _more_lyrics(self, source: ClipRecord) -> Lyrics:
        """A new take on a clip's lyrics, from the words that first asked for them."""
        original = source.lyrics
        request = parse_lyrics_request(original.request or source.transcript, original.language)
        request = dataclasses.replace(request, title=original.title, genre=original.genre)
        count = self.library.count()
        lyrics = original
        for variant in range(1 + count, 4 + count):  # a take that differs from the source
            lyrics = self.lyrics_writer.write(request, variant=variant)
            if lyrics.sections != original.sections:
                break
        return lyrics

    def _lyrics(self, reply: Reply, transcript: Transcript) -> LibraryOutcome:
        request = parse_lyrics_request(transcript.text, reply.language)
        if reply.plan is not None and request.genre == "pop" and reply.plan.genre != "pop":
            request = dataclasses.replace(request, genre=reply.plan.genre)
        lyrics = self.lyrics_writer.write(request)
        key = "lyrics" if lyrics.source == "llm" else "lyrics_template"
        genre = lyrics.genre.replace("_", " ")
        text = message(reply.language, key, title=lyrics.title, genre=genre)
        action = LibraryAction("lyrics", True, text)
        return self._said(reply, action, lyrics=lyrics)

    # -- versions of the session's piece ------------------------------------------------

    def _version_command(self, reply: Reply, transcript: Transcript,
                         scope: LibraryScope) -> LibraryOutcome:
        """Undo, go back to, play or compare versions; no new render (see ``sessions``)."""
        intent = reply.intent.value
        session = scope.session
        if self.sessions is None or session is None:
            key = "off" if self.library is None else "no_session"
            return self._said(reply, LibraryAction(intent, False, message(reply.language, key)),
                              plan=None, music_prompt="")
        versions = self.sessions.versions(session)
        if not versions:
            return self._version_refused(reply, scope, "no_versions")
        command = parse_version_command(transcript.text)
        numbers = command.versions if command and command.intent is reply.intent else (
            (reply.item,) if reply.item is not None else ())
        if reply.intent is Intent.COMPARE:
            return self._compare(reply, scope, versions, numbers)
        if reply.intent is Intent.UNDO:
            target = self.sessions.previous_version(session)
            if target is None:
                current = self.sessions.current_version(session) or versions[-1]
                return self._version_refused(reply, scope, "nothing_to_undo",
                                             number=current.number)
            return self._replay_version(reply, scope, target, "undone")
        chosen = self._pick_version(versions, numbers[0] if numbers else LAST_ITEM)
        if chosen is None and numbers[0] < 0:  # "la de hace dos" with too few versions
            return self._version_refused(reply, scope, "no_version_back", back=LAST_ITEM - numbers[0],
                                         count=len(versions))
        if chosen is None:
            return self._version_refused(reply, scope, "no_version", number=numbers[0],
                                         count=len(versions))
        key = "went_back" if reply.intent is Intent.GO_TO_VERSION else "playing_version"
        return self._replay_version(reply, scope, chosen, key)

    @staticmethod
    def _pick_version(versions: Sequence[Version], number: int) -> Version | None:
        index = number - 1 if number > 0 else len(versions) + number
        return versions[index] if 0 <= index < len(versions) else None

    def _version_refused(self, reply: Reply, scope: LibraryScope, key: str,
                         **values: Any) -> LibraryOutcome:
        action = LibraryAction(reply.intent.value, False, message(reply.language, key, **values),
                               session=scope.session)
        return self._said(reply, action, plan=None, music_prompt="")

    def _version_clip(self, version: Version) -> MusicClip | None:
        """The stored clip of ``version``, or None when it was deleted since."""
        if version.clip_id is None:
            return None
        try:
            audio = self.library.load_audio(version.clip_id)
            record = self.library.clip(version.clip_id)
        except LibraryError:
            return None
        return MusicClip(audio, version.plan, midi=_read(record.midi_path),
                         backend=LIBRARY_BACKEND, library_clip_id=version.clip_id)

    def _replay_version(self, reply: Reply, scope: LibraryScope, version: Version,
                        key: str) -> LibraryOutcome:
        """Make ``version`` the current one and play its clip again (no new render)."""
        from voice_agent.responder.replies import compose_music_prompt

        clip = self._version_clip(version)
        if clip is None:
            return self._version_refused(reply, scope, "version_missing_audio",
                                         number=version.number)
        self.library.set_state(scope.key(CURRENT_KEY), version.clip_id)
        plan = version.plan
        text = message(reply.language, key, number=version.number,
                       genre=plan.genre.replace("_", " "), bpm=plan.bpm)
        action = LibraryAction(reply.intent.value, True, text, clip_id=version.clip_id,
                               versions=(version.number,), session=scope.session,
                               version=version.number)
        return self._said(reply, action, clip, plan=plan, music_prompt=compose_music_prompt(plan))

    def _compare(self, reply: Reply, scope: LibraryScope, versions: Sequence[Version],
                 numbers: Sequence[int]) -> LibraryOutcome:
        """Both versions one after the other, with a short gap; the reply says which is which."""
        if len(versions) < 2:
            return self._version_refused(reply, scope, "one_version")
        wanted = tuple(numbers[:2]) if len(numbers) >= 2 else (LAST_ITEM - 1, LAST_ITEM)
        picked = [self._pick_version(versions, n) for n in wanted]
        for number, version in zip(wanted, picked):
            if version is None:
                return self._version_refused(reply, scope, "no_version", number=number,
                                             count=len(versions))
        first, second = picked
        clips = [self._version_clip(first), self._version_clip(second)]
        for version, clip in zip(picked, clips):
            if clip is None:
                return self._version_refused(reply, scope, "version_missing_audio",
                                             number=version.number)
        text = message(reply.language, "comparing", first=first.number,
                       first_genre=first.plan.genre.replace("_", " "), first_bpm=first.plan.bpm,
                       second=second.number, second_genre=second.plan.genre.replace("_", " "),
                       second_bpm=second.plan.bpm)
        both = MusicClip(_one_after_the_other(clips[0].audio, clips[1].audio), second.plan,
                         backend=LIBRARY_BACKEND, library_clip_id=second.clip_id)
        action = LibraryAction(Intent.COMPARE.value, True, text, clip_id=second.clip_id,
                               versions=(first.number, second.number), session=scope.session)
        # the current version stays what it was: no plan in the reply
        return self._said(reply, action, both, plan=None, music_prompt="")

    # -- after the turn -----------------------------------------------------------------

    def after_turn(self, turn: Turn, action: LibraryAction | None,
                   speakers: Mapping[str, Speaker] | None = None,
                   scope: LibraryScope = LibraryScope()) -> Turn:
        """Store the clip this turn rendered; record what the library did in ``turn.library``."""
        if turn.reply is None:
            return turn
        action = action or LibraryAction(turn.reply.intent.value, True)
        errors, timings = list(turn.errors), list(turn.timings)
        if self._rendered_here(turn, action):
            start = time.perf_counter()
            try:
                action = self._store(turn, action, speakers or {}, errors, scope)
            except VoiceAgentError as exc:
                log.warning("library: could not store the clip: %s", exc)
                errors.append(StageError("library", exc.kind, str(exc)))
            timings.append(StageTiming("library_store", time.perf_counter() - start))
        action = self._keep_in_session(turn, action, errors, scope.session)
        return dataclasses.replace(turn, library=action, errors=tuple(errors),
                                   timings=tuple(timings))

    def _keep_in_session(self, turn: Turn, action: LibraryAction, errors: list[StageError],
                         session: str | None) -> LibraryAction:
        """Append the finished turn to ``session`` (a render becomes a new version)."""
        if self.sessions is None or session is None:
            return action
        clip_id, version = action.stored_clip_id, None
        if action.stored_clip_id is None and action.done:
            if action.version is not None:  # went back to / played a version
                clip_id, version = action.clip_id, action.version
            elif action.intent == Intent.PLAY.value:  # a playlist entry
                clip_id = action.clip_id
        if clip_id is None and turn.reply.intent is Intent.REPLAY and turn.music is not None:
            current = self.sessions.current_version(session)
            if current is not None:
                clip_id, version = current.clip_id, current.number
        try:
            kept = self.sessions.append(session, turn, clip_id, version)
        except VoiceAgentError as exc:
            log.warning("library: could not keep the turn in session %s: %s", session, exc)
            errors.append(StageError("session", exc.kind, str(exc)))
            return dataclasses.replace(action, session=session)
        return dataclasses.replace(action, session=session, version=kept.version)

    def _rendered_here(self, turn: Turn, action: LibraryAction) -> bool:
        """True when this turn's music is new (not played from the library or replayed)."""
        if self.library is None or turn.music is None:
            return False
        if action.intent == Intent.PLAY.value and action.done:
            return False
        if turn.music.library_clip_id is not None:
            return False
        return turn.reply.intent is not Intent.REPLAY

    def _store(self, turn: Turn, action: LibraryAction, speakers: Mapping[str, Speaker],
               errors: list[StageError], scope: LibraryScope) -> LibraryAction:
        mix = self._voice_over(turn, speakers, errors)
        record = self.library.add_turn(turn, lyrics_audio=mix)
        self.library.set_state(scope.key(CURRENT_KEY), record.clip_id)
        return dataclasses.replace(action, stored_clip_id=record.clip_id, lyrics_audio=mix)

    def _voice_over(self, turn: Turn, speakers: Mapping[str, Speaker],
                    errors: list[StageError]) -> Audio | None:
        """The lyrics spoken over the clip by the cloned voice (else the base), when on."""
        lyrics = turn.reply.lyrics
        speaker = speakers.get("cloned") or speakers.get("base")
        if not self.speak_lyrics or lyrics is None or speaker is None:
            return None
        from voice_agent.library.voiceover import speak_over_music

        try:
            return speak_over_music(turn.music.audio, lyrics, speaker, self.duck_db)
        except VoiceAgentError as exc:
            errors.append(StageError("lyrics_voice", exc.kind, str(exc)))
            return None


def _new_seed(seed: int, salt: int) -> int:
    """A seed different from ``seed`` for each stored-clip count (repeatable)."""
    from voice_agent.responder.replies import next_seed

    fresh = next_seed(seed ^ salt)
    return fresh if fresh != seed else next_seed(fresh)


def _one_after_the_other(first: Audio, second: Audio) -> Audio:
    """``first``, a short silence, then ``second`` (resampled to ``first``'s rate if needed)."""
    import numpy as np

    from voice_agent.core.audio import resample

    if second.rate != first.rate:
        second = resample(second, first.rate)
    gap = np.zeros(int(COMPARE_GAP_S * first.rate), dtype=np.float32)
    return Audio(np.concatenate([first.samples, gap, second.samples]), first.rate)


def _read(path) -> bytes | None:
    try:
        return path.read_bytes() if path else None
    except OSError:
        return None

