"""What the library says to a person outside a spoken turn, in English and Spanish.

The ``library`` CLI subcommand's lines and every :class:`~voice_agent.library.files.LibraryError`
come from :data:`TEXT` (the spoken replies to library commands are in
:mod:`voice_agent.library.commands`). :func:`say` fills a message in; ``{s}`` is the
English plural ending of ``{count}`` and the Spanish one is written out per message.
"""

from __future__ import annotations

from typing import Any

TEXT: dict[str, dict[str, str]] = {
    "en": {
        # errors (LibraryError)
        "cannot_create": "Cannot create the library folder {root}: {problem}. Set [library] "
                         "path to a writable folder.",
        "cannot_open": "Cannot open the library database {path}: {problem}",
        "db_failed": "The library database {path} failed: {problem}. If it is corrupt, move "
                     "it away; a new one is made.",
        "newer_schema": "The library {path} has schema version {found}, newer than this "
                        "voice_agent knows ({known}). Upgrade voice_agent.",
        "no_clip": "There is no clip {clip_id} in the library. 'voice-agent library list "
                   "--all' shows the clips.",
        "audio_missing": "The audio of clip {clip_id} is missing ({path}). Delete the clip "
                         "with 'voice-agent library delete --clip {clip_id}'.",
        "playlist_empty": "The playlist '{playlist}' is empty.",
        "no_number": "There is no number {number} in '{playlist}': it has {count} clip{s}.",
        "bad_session_name": "The session name {name!r} is not usable: give 1-{max_chars} "
                            "letters, digits, spaces or . _ - : @ +",
        "no_session": "There is no session called {name!r}. 'voice-agent library sessions' "
                      "lists them.",
        "no_versions": "The session {name!r} has no versions yet.",
        "no_version": "There is no version {number} in {name!r}: it has {count}.",
        "sessions_off": "Sessions are kept in the clip library, which is switched off; drop "
                        "--no-library (or [library] enabled = false) to use one.",
        "export_missing": "The audio of clip {clip_id} is missing ({path}); nothing was "
                          "exported for it.",
        "cannot_export": "Cannot create the export folder {path}: {problem}",
        "which_clip": "Say which clip: a playlist number (e.g. 'play 2') or --clip ID.",
        "pick_clip": "Click a clip in the table (or type its number from the 'clip' column) "
                     "first.",
        # the library CLI
        "no_plan": "no plan",
        "lyrics_from": ", lyrics ({source})",
        "clip_line": "{title} — clip {clip_id}, {seconds:.1f} s, {details}{lyrics}; asked: "
                     "\"{transcript}\" ({created_at})",
        "playlist_count": "{playlist}: {count} clip{s}",
        "nothing_saved": "No clips saved to {playlist} yet (say \"save this\" after one you "
                         "like). Every clip made, newest first:",
        "playlist_empty_hint": "The playlist '{playlist}' is empty. Say \"save this\" after a "
                               "clip you like, or see every stored clip with 'voice-agent "
                               "library list --all'.",
        "and_more": "(and {count} more clip{s} made: voice-agent library list --all)",
        "library_empty": "The library is empty: every clip the agent renders is stored here.",
        "wrote": "wrote {path} ({clip})",
        "played": "played {clip}",
        "cannot_play": "Cannot play here: {reason}. Wrote {path} instead; open it with any "
                       "audio player (or pass --out FILE).",
        "no_sound_library": "no sound output library ({problem})",
        "no_sound_device": "no sound device ({problem})",
        "exported": "exported {count} clip{s} to {folder}; manifest: {manifest}",
        "ask_remove": "remove number {number} from '{playlist}'? [y/N] ",
        "ask_delete": "delete clip {clip_id} ({title}) and its files? [y/N] ",
        "nothing_deleted": "Nothing deleted (confirm at the prompt, or pass --yes).",
        "removed": "removed {title} from '{playlist}' (clip {clip_id} is still in the library)",
        "deleted": "deleted clip {clip_id} ({title})",
        "no_sessions": "No sessions yet: 'voice-agent run --session NAME --text ...' starts one.",
        "session_line": "{name}: {turns} turn{turns_s}, {versions} version{versions_s} "
                        "(last used {updated_at})",
        "session_head": "session {name}: {turns} turns since {created_at}",
        "version_tag": " [version {number}]",
        "versions": "versions:",
    },
    "es": {
        "cannot_create": "No se puede crear la carpeta de la biblioteca {root}: {problem}. "
                         "Pon en [library] path una carpeta en la que se pueda escribir.",
        "cannot_open": "No se puede abrir la base de datos de la biblioteca {path}: {problem}",
        "db_failed": "La base de datos de la biblioteca {path} ha fallado: {problem}. Si está "
                     "dañada, muévela a otro sitio y se creará una nueva.",
        "newer_schema": "La biblioteca {path} tiene la versión de esquema {found}, más nueva "
                        "que la que conoce este voice_agent ({known}). Actualiza voice_agent.",
        "no_clip": "No hay ningún fragmento {clip_id} en la biblioteca. 'voice-agent library "
                   "list --all' muestra los fragmentos.",
        "audio_missing": "Falta el audio del fragmento {clip_id} ({path}). Bórralo con "
                         "'voice-agent library delete --clip {clip_id}'.",
        "playlist_empty": "La lista «{playlist}» está vacía.",
        "no_number": "No hay número {number} en «{playlist}»: tiene {count} fragmento{s}.",
        "bad_session_name": "El nombre de sesión {name!r} no sirve: usa de 1 a {max_chars} "
                            "letras, cifras, espacios o . _ - : @ +",
        "no_session": "No hay ninguna sesión llamada {name!r}. 'voice-agent library sessions' "
                      "las muestra.",
        "no_versions": "La sesión {name!r} todavía no tiene versiones.",
        "no_version": "No hay versión {number} en {name!r}: tiene {count}.",
        "sessions_off": "Las sesiones se guardan en la biblioteca de fragmentos, que está "
                        "desactivada; quita --no-library (o [library] enabled = false) para "
                        "usar una.",
        "export_missing": "Falta el audio del fragmento {clip_id} ({path}); no se ha exportado "
                          "nada de él.",
        "cannot_export": "No se puede crear la carpeta de exportación {path}: {problem}",
        "which_clip": "Di qué fragmento: un número de la lista (p. ej. 'play 2') o --clip ID.",
        "pick_clip": "Primero haz clic en un fragmento de la tabla (o escribe su número de la "
                     "columna «clip»).",
        "no_plan": "sin plan",
        "lyrics_from": ", letra ({source})",
        "clip_line": "{title} — fragmento {clip_id}, {seconds:.1f} s, {details}{lyrics}; "
                     "pedido: \"{transcript}\" ({created_at})",
        "playlist_count": "{playlist}: {count} fragmento{s}",
        "nothing_saved": "Todavía no hay fragmentos guardados en {playlist} (di «guárdala» "
                         "después de uno que te guste). Todos los fragmentos creados, del más "
                         "nuevo al más antiguo:",
        "playlist_empty_hint": "La lista «{playlist}» está vacía. Di «guárdala» después de un "
                               "fragmento que te guste, o mira todos los guardados con "
                               "'voice-agent library list --all'.",
        "and_more": "(y {count} fragmento{s} más creados: voice-agent library list --all)",
        "library_empty": "La biblioteca está vacía: aquí se guarda cada fragmento que crea "
                         "el agente.",
        "wrote": "escrito {path} ({clip})",
        "played": "reproducido {clip}",
        "cannot_play": "Aquí no se puede reproducir: {reason}. Lo he escrito en {path}; "
                       "ábrelo con cualquier reproductor (o usa --out ARCHIVO).",
        "no_sound_library": "no hay biblioteca de salida de sonido ({problem})",
        "no_sound_device": "no hay dispositivo de sonido ({problem})",
        "exported": "exportados {count} fragmento{s} a {folder}; manifiesto: {manifest}",
        "ask_remove": "¿quitar el número {number} de «{playlist}»? [s/N] ",
        "ask_delete": "¿borrar el fragmento {clip_id} ({title}) y sus archivos? [s/N] ",
        "nothing_deleted": "No se ha borrado nada (confirma en la pregunta o usa --yes).",
        "removed": "quitado {title} de «{playlist}» (el fragmento {clip_id} sigue en la "
                   "biblioteca)",
        "deleted": "borrado el fragmento {clip_id} ({title})",
        "no_sessions": "Todavía no hay sesiones: 'voice-agent run --session NOMBRE --text ...' "
                       "empieza una.",
        "session_line": "{name}: {turns} turno{turns_s}, {versions} versi{versions_ones} "
                        "(último uso {updated_at})",
        "session_head": "sesión {name}: {turns} turnos desde {created_at}",
        "version_tag": " [versión {number}]",
        "versions": "versiones:",
    },
}
_PLAYLIST_NAMES = {"es": {"favourites": "favoritos"}}


def plural(count: int, language: str) -> dict[str, str]:
    """The plural endings for ``count``: ``s`` ("clip{s}") and ``ones`` ("versi{ones}")."""
    one = count == 1
    return {"s": "" if one else "s", "ones": ("ón" if one else "ones") if language == "es"
            else ("on" if one else "ons")}


def say(key: str, language: str = "en", /, **values: Any) -> str:
    """The message ``key`` in ``language`` (English when it is not "es"), filled in."""
    table = TEXT.get(language, TEXT["en"])
    if "count" in values:
        for name, ending in plural(int(values["count"]), language).items():
            values.setdefault(name, ending)
    for name in ("turns", "versions"):
        if isinstance(values.get(name), int):
            endings = plural(values[name], language)
            values.setdefault(f"{name}_s", endings["s"])
            values.setdefault(f"{name}_ones", endings["ones"])
    if "playlist" in values:
        values["playlist"] = _PLAYLIST_NAMES.get(language, {}).get(values["playlist"],
                                                                   values["playlist"])
    return table[key].format(**values)
