"""The Library tab of the web app: browse, play, save, remove and delete stored clips.

Built on :class:`voice_agent.library.Library` (issue 8), which is thread- and process-safe
on its own, so these actions do not queue for the models. Imported only when
``voice_agent.library`` is importable; otherwise the tab says the library is not there.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import gradio as gr

from voice_agent.core.audio import read_audio
from voice_agent.modes.web.common import failure_message

log = logging.getLogger(__name__)

ALL_CLIPS = "all clips"
#: The clip id first, so it stays in view however the table scrolls (it is also pinned).
COLUMNS = ["clip", "#", "title", "seconds", "created", "prompt", "lyrics"]
CLIP_COLUMN, NUMBER_COLUMN = 0, 1


class LibraryActions:
    """What the Library tab's buttons do; each returns name -> value dicts."""

    def __init__(self, library: Any, publish: Any = None, lang: str = "en") -> None:
        self.library = library
        self.lang = lang
        # what the page may play or download is a copy made to be served (the web app's
        # Published); the library folder itself is never served
        self.publish = publish or (lambda path, name=None: str(path) if path else None)

    def views(self) -> list[str]:
        """"all clips", then every playlist by name."""
        return [ALL_CLIPS, *(p.name for p in self.library.playlists())]

    def rows(self, view: str) -> list[list[Any]]:
        """The table of ``view``: every clip (newest first) or a playlist (by number)."""
        if view in (ALL_CLIPS, "", None):
            return [self._row("", clip) for clip in self.library.clips(limit=500)]
        return [self._row(entry.number, entry.clip) for entry in self.library.playlist(view)]

    @staticmethod
    def _row(number: Any, clip: Any) -> list[Any]:
        return [clip.clip_id, number, clip.title, round(clip.duration_s, 1),
                clip.created_at.replace("T", " ")[:16], clip.prompt, "yes" if clip.lyrics else ""]

    def show(self, view: str, note: str = "") -> dict[str, Any]:
        """Refresh the table and the view choices."""
        rows = self.rows(view)
        status = note or (self._t("library.status_count", count=len(rows), view=view) if rows
                          else self._t("library.status_none"))
        return {"views": gr.update(choices=self.views(), value=view), "table": rows,
                "status": status}

    def play(self, clip_id: float | None) -> dict[str, Any]:
        """One clip's audio, MIDI, lyrics and details; downloads named after what it is."""
        clip = self.library.clip(_clip_id(clip_id))
        lyrics_audio = clip.lyrics_audio_path if clip.lyrics_audio_path else None
        wav, midi = self._downloads(clip)
        return {"audio": self.publish(lyrics_audio or clip.audio_path),
                "midi": gr.update(value=midi, interactive=bool(midi)),
                "wav": gr.update(value=wav, interactive=True),
                "lyrics": clip.lyrics.text() if clip.lyrics else "",
                "details": clip.to_dict(),
                "status": self._t("library.status_clip", clip_id=clip.clip_id, title=clip.title,
                                  seconds=clip.duration_s)}

    def _downloads(self, clip: Any) -> tuple[str | None, str | None]:
        """Published copies of the clip's WAV and MIDI, named like ``cumbia_128bpm_clip12.mid``."""
        from voice_agent.core.types import MusicPlan
        from voice_agent.modes.web.app import download_stem

        stem = download_stem(clip.plan or MusicPlan(genre="music"), int(clip.clip_id))
        return (self.publish(clip.audio_path, f"{stem}.wav"),
                self.publish(clip.midi_path, f"{stem}.mid") if clip.midi_path else None)

    def select(self, rows: Any, event: gr.SelectData) -> dict[str, Any]:
        """A click on a table row: that clip becomes the chosen one (and its number)."""
        row = event.row_value if getattr(event, "row_value", None) else None
        if row is None:
            index = event.index[0] if isinstance(event.index, (list, tuple)) else event.index
            values = rows.values.tolist() if hasattr(rows, "values") else rows
            row = values[index]
        number = row[NUMBER_COLUMN]
        return {"clip_id": int(row[CLIP_COLUMN]),
                "number": int(number) if str(number).strip() not in ("", "None") else None}

    def save(self, clip_id: float | None, playlist: str, view: str) -> dict[str, Any]:
        """Add a clip to a playlist (favourites when no name is given)."""
        from voice_agent.library import DEFAULT_PLAYLIST

        entry = self.library.save_to_playlist(_clip_id(clip_id), playlist or DEFAULT_PLAYLIST)
        return self.show(view, self._t("library.status_saved", clip_id=entry.clip.clip_id,
                                       number=entry.number, playlist=entry.playlist))

    def remove(self, number: float | None, view: str) -> dict[str, Any]:
        """Take item ``number`` out of the playlist on show (the clip stays in the library)."""
        if view in (ALL_CLIPS, "", None):
            return {"status": self._t("library.status_show_playlist")}
        entry = self.library.remove_from_playlist(int(number or 0), view)
        return self.show(view, self._t("library.status_removed", number=entry.number,
                                       title=entry.clip.title, playlist=entry.playlist))

    def delete(self, clip_id: float | None, view: str, confirm: bool = False) -> dict[str, Any]:
        """Delete a clip and its files, from the library and every playlist.

        Only with ``confirm`` (the page's "yes, delete it" box): one stray click or API
        call must not lose a clip for good. The box is cleared again afterwards.
        """
        clip = self.library.clip(_clip_id(clip_id))
        if not confirm:
            return {"status": self._t("library.status_tick", clip_id=clip.clip_id,
                                      title=clip.title),
                    "confirm": False}
        clip = self.library.delete_clip(clip.clip_id)
        return self.show(view, self._t("library.status_deleted", clip_id=clip.clip_id,
                                       title=clip.title)) | {
            "audio": None, "midi": gr.update(value=None, interactive=False),
            "wav": gr.update(value=None, interactive=False), "lyrics": "", "details": None,
            "confirm": False}

    def save_composed(self, last: dict[str, Any] | None) -> str:
        """Store the clip last rendered on the Compose tab; returns the message."""
        if not last or not last.get("wav"):
            return self._t("library.status_generate_first")
        from voice_agent.core.plan import plan_from_dict

        midi = Path(last["midi"]).read_bytes() if last.get("midi") else None
        clip = self.library.add_clip(
            read_audio(last["wav"]), plan_from_dict(last["plan"]), request="compose",
            transcript=last["prompt"], language=last.get("language", ""),
            say=last.get("say", ""), prompt=last["improved_prompt"],
            midi=midi, backend=last.get("backend", ""))
        return self._t("library.status_composed", clip_id=clip.clip_id)

    def _t(self, key: str, **values: Any) -> str:
        """The page's words for ``key`` in the interface language."""
        from voice_agent.modes.ui_text import t

        return t(key, self.lang, **values)


def _clip_id(value: float | None) -> int:
    from voice_agent.library import LibraryError

    if value is None or int(value) <= 0:
        raise LibraryError(key="pick_clip")
    return int(value)


def guarded(action, outputs: dict[str, Any], status: str = "status", lang: str = "en"):
    """Wrap an action so Gradio gets component updates and errors become the status line."""

    def run(*args):
        try:
            update = action(*args)
        except Exception as exc:  # noqa: BLE001 - shown on the page
            update = {status: failure_message(exc, lang)}
        if isinstance(update, str):
            update = {status: update}
        return {outputs[k]: v for k, v in update.items() if k in outputs}
    return run


def library_tab(library: Any, player: Any, publish: Any = None, lang: str = "en") -> None:
    """Build the tab's components and wire them to ``library``."""
    from voice_agent.modes.ui_text import t

    actions = LibraryActions(library, publish, lang)
    with gr.Row():
        views = gr.Dropdown(actions.views(), value=ALL_CLIPS, label=t("library.show", lang),
                            elem_id="library-view")
        refresh = gr.Button(t("library.refresh", lang), elem_id="library-refresh")
    status = gr.Markdown(elem_id="library-status")
    table = gr.Dataframe(headers=COLUMNS, value=actions.rows(ALL_CLIPS), interactive=False,
                         elem_id="library-table", pinned_columns=1, wrap=True,
                         max_height=360)
    with gr.Row():
        clip_id = gr.Number(label=t("library.clip", lang), precision=0, elem_id="library-clip")
        play = gr.Button(t("library.play", lang), variant="primary", elem_id="library-play")
        playlist = gr.Textbox(label=t("library.playlist", lang), value="favourites",
                              elem_id="library-playlist")
        save = gr.Button(t("library.save", lang), elem_id="library-save")
    with gr.Row():
        number = gr.Number(label=t("library.number", lang), precision=0,
                           elem_id="library-number")
        remove = gr.Button(t("library.remove", lang), elem_id="library-remove")
        confirm = gr.Checkbox(False, label=t("library.confirm", lang), elem_id="library-confirm")
        delete = gr.Button(t("library.delete", lang), variant="stop", elem_id="library-delete")
    with gr.Row():
        audio = gr.Audio(label=t("library.clip", lang).split(" (")[0], elem_id="library-audio",
                         waveform_options=player)
        wav = gr.DownloadButton(t("library.wav", lang), elem_id="library-wav",
                                interactive=False)
        midi = gr.DownloadButton(t("library.midi", lang), elem_id="library-midi",
                                 interactive=False)
    lyrics = gr.Textbox(label=t("library.lyrics", lang), lines=6, elem_id="library-lyrics")
    details = gr.JSON(label=t("library.details", lang), elem_id="library-details")
    outputs = dict(views=views, table=table, status=status, audio=audio, midi=midi, wav=wav,
                   lyrics=lyrics, details=details, clip_id=clip_id, number=number,
                   confirm=confirm)
    targets = list(outputs.values())
    for trigger in (refresh.click, views.change):
        trigger(guarded(actions.show, outputs, lang=lang), views, targets)
    select = guarded(actions.select, outputs, lang=lang)

    def on_select(rows, event: gr.SelectData):  # the annotation makes Gradio pass the click
        return select(rows, event)

    table.select(on_select, table, targets, api_name=False)
    play.click(guarded(actions.play, outputs, lang=lang), clip_id, targets, api_name="library_play")
    save.click(guarded(actions.save, outputs, lang=lang), [clip_id, playlist, views], targets)
    remove.click(guarded(actions.remove, outputs, lang=lang), [number, views], targets)
    delete.click(guarded(actions.delete, outputs, lang=lang), [clip_id, views, confirm], targets,
                 api_name="library_delete")
