"""``voice-agent library list|play|export|delete|sessions``: the clip library from the
command line.

The functions here return the lines to print and an exit code; only ``voice_agent.cli``
prints. Playing needs a sound device (the ``sounddevice`` package and an output); where
there is none the clip is written to a WAV file and the message says where.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable
from pathlib import Path

from voice_agent.responder.commands import DEFAULT_PLAYLIST
from voice_agent.library.records import ClipRecord
from voice_agent.library.store import Library, LibraryError, playlist_name
from voice_agent.library.messages import say


def add_library_parser(sub: argparse._SubParsersAction, func: Callable) -> None:
    """The ``library`` subcommand and its four actions."""
    library = sub.add_parser("library", help="your stored clips and playlists")
    library.add_argument("--library-dir", help="library folder (default: [library] path, "
                                               "else $VOICE_AGENT_HOME/library)")
    library.add_argument("--config", help="TOML config file (its [library] path is used)")
    library.add_argument("-v", "--verbose", action="count", default=0,
                         help="more log output (-vv: debug)")
    library.add_argument("--ui-language", choices=("en", "es"), default=argparse.SUPPRESS,
                         help="language of the messages (default: from the locale)")
    actions = library.add_subparsers(dest="action", required=True)

    listing = actions.add_parser("list", help="your clips: favourites, or every clip made "
                                              "while favourites is empty")
    listing.add_argument("--playlist", default=None,
                         help=f"show this playlist (default: {DEFAULT_PLAYLIST}, or every "
                              "clip when it is empty)")
    listing.add_argument("--all", action="store_true", help="every stored clip, newest first")
    listing.add_argument("--playlists", action="store_true", help="the playlists and sizes")
    listing.add_argument("--json", action="store_true", help="machine-readable output")

    play = actions.add_parser("play", help="play number N of a playlist, or --clip ID")
    _add_target(play)
    play.add_argument("--out", help="write the clip to this WAV file instead of playing it")
    play.add_argument("--lyrics", action="store_true",
                      help="the version with the lyrics spoken over it, when there is one")

    export = actions.add_parser("export", help="copy clips (WAV, MIDI, lyrics) + manifest.json")
    export.add_argument("out_dir")
    export.add_argument("--playlist", help="export this playlist, in order")
    export.add_argument("--clip", type=int, action="append", help="clip id (repeatable)")

    delete = actions.add_parser("delete", help="delete number N of a playlist, or --clip ID")
    _add_target(delete)
    delete.add_argument("--only-from-playlist", action="store_true",
                        help="take it out of the playlist but keep the clip")
    delete.add_argument("--yes", action="store_true", help="do not ask to confirm")

    sessions = actions.add_parser("sessions", help="stored conversations, or one session's "
                                                   "turns and versions")
    sessions.add_argument("name", nargs="?", help="show this session's turns and versions")
    sessions.add_argument("--json", action="store_true", help="machine-readable output")
    library.set_defaults(func=func)


def _add_target(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("number", nargs="?", type=int, help="number in the playlist")
    parser.add_argument("--playlist", default=DEFAULT_PLAYLIST)
    parser.add_argument("--clip", type=int, help="clip id instead of a playlist number")


def open_library(args: argparse.Namespace) -> Library:
    """The library the flags (or the config file) point at, opened."""
    from voice_agent.core.config import load_config

    path = args.library_dir or load_config(args.config).library.path or None
    return Library(path).open()


def run(args: argparse.Namespace, confirm: Callable[[str], bool],
        language: str = "en") -> tuple[list[str], int]:
    """Do one library action; returns (lines to print, exit code) in ``language``."""
    library = open_library(args)
    if args.action == "delete":
        return delete_lines(library, args, confirm, language)
    action = {"list": list_lines, "play": play_lines, "export": export_lines,
              "sessions": session_lines}[args.action]
    return action(library, args, language)


def _describe(record: ClipRecord, lang: str = "en") -> str:
    plan = record.plan
    details = f"{plan.bpm} BPM, {plan.key} {plan.mode}" if plan else say("no_plan", lang)
    lyrics = say("lyrics_from", lang, source=record.lyrics.source) if record.lyrics else ""
    return say("clip_line", lang, title=record.title, clip_id=record.clip_id,
               seconds=record.duration_s, details=details, lyrics=lyrics,
               transcript=record.transcript, created_at=record.created_at)


def list_lines(library: Library, args: argparse.Namespace,
               lang: str = "en") -> tuple[list[str], int]:
    """The playlists, every clip, or one playlist."""
    if args.playlists:
        found = library.playlists()
        if args.json:
            return [json.dumps([p.to_dict() for p in found], ensure_ascii=False, indent=2)], 0
        return [say("playlist_count", lang, playlist=p.name, count=p.count) for p in found], 0
    if args.all:
        lines, code = _every_clip(library, args.json, "", lang)
        return [line for line in lines if line], code
    name = playlist_name(args.playlist or DEFAULT_PLAYLIST)
    entries = library.playlist(name)
    if args.playlist is None and not entries:  # nothing saved yet: show what was made
        return _every_clip(library, args.json, say("nothing_saved", lang, playlist=name), lang)
    if args.json:
        return [json.dumps([e.to_dict() for e in entries], ensure_ascii=False, indent=2)], 0
    if not entries:
        return [say("playlist_empty_hint", lang, playlist=name)], 0
    lines = [f"{name}:"] + [f"{e.number:3d}. {_describe(e.clip, lang)}" for e in entries]
    others = library.count() - len(entries)
    if args.playlist is None and others > 0:
        lines.append(say("and_more", lang, count=others))
    return lines, 0


def _every_clip(library: Library, as_json: bool, heading: str,
                lang: str = "en") -> tuple[list[str], int]:
    clips = library.clips()
    if as_json:
        return [json.dumps([c.to_dict() for c in clips], ensure_ascii=False, indent=2)], 0
    if not clips:
        return [say("library_empty", lang)], 0
    return [heading] + [f"[{c.clip_id}] {_describe(c, lang)}" for c in clips], 0


def _target(library: Library, args: argparse.Namespace) -> ClipRecord:
    if args.clip is not None:
        return library.clip(args.clip)
    if args.number is None:
        raise LibraryError(key="which_clip")
    return library.entry(args.number, args.playlist).clip


def play_lines(library: Library, args: argparse.Namespace,
               lang: str = "en") -> tuple[list[str], int]:
    """Play a clip on the sound device, or write it to a file when there is none."""
    from voice_agent.core.audio import write_wav

    record = _target(library, args)
    audio = library.load_audio(record.clip_id, with_lyrics=args.lyrics)
    if args.out:
        return [say("wrote", lang, path=write_wav(args.out, audio),
                    clip=_describe(record, lang))], 0
    reason = play_on_device(audio, lang)
    if reason is None:
        return [say("played", lang, clip=_describe(record, lang))], 0
    target = Path(f"clip-{record.clip_id}.wav")
    write_wav(target, audio)
    return [say("cannot_play", lang, reason=reason, path=target.resolve())], 0


def play_on_device(audio, lang: str = "en") -> str | None:
    """Play ``audio`` and wait; None when it played, else why it could not."""
    try:
        import sounddevice
    except (ImportError, OSError) as exc:  # OSError: PortAudio itself is missing
        return say("no_sound_library", lang, problem=exc)
    try:
        sounddevice.query_devices(kind="output")
        sounddevice.play(audio.samples, audio.rate)
        sounddevice.wait()
    except Exception as exc:  # PortAudio raises its own error types
        return say("no_sound_device", lang, problem=exc)
    return None


def export_lines(library: Library, args: argparse.Namespace,
                 lang: str = "en") -> tuple[list[str], int]:
    """Export clips and say where the manifest is."""
    manifest_path = library.export(args.out_dir, clip_ids=args.clip, playlist=args.playlist)
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    return [say("exported", lang, count=len(manifest["clips"]), folder=manifest_path.parent,
                manifest=manifest_path)], 0


def delete_lines(library: Library, args: argparse.Namespace,
                 confirm: Callable[[str], bool], lang: str = "en") -> tuple[list[str], int]:
    """Delete a clip (or take it out of a playlist), after a yes."""
    record = _target(library, args)
    only_playlist = args.only_from_playlist and args.clip is None
    question = (say("ask_remove", lang, number=args.number, playlist=playlist_name(args.playlist))
                if only_playlist else
                say("ask_delete", lang, clip_id=record.clip_id, title=record.title))
    if not args.yes and not confirm(question):
        return [say("nothing_deleted", lang)], 1
    if only_playlist:
        library.remove_from_playlist(args.number, args.playlist)
        return [say("removed", lang, title=record.title, playlist=playlist_name(args.playlist),
                    clip_id=record.clip_id)], 0
    library.delete_clip(record.clip_id)
    return [say("deleted", lang, clip_id=record.clip_id, title=record.title)], 0



def session_lines(library: Library, args: argparse.Namespace,
                  lang: str = "en") -> tuple[list[str], int]:
    """Every stored session, or one session's turns and its versions."""
    from voice_agent.library.sessions import SessionStore, versions_summary

    store = SessionStore(library)
    if not args.name:
        found = store.sessions()
        if args.json:
            return [json.dumps([s.to_dict() for s in found], indent=2, ensure_ascii=False)], 0
        if not found:
            return [say("no_sessions", lang)], 0
        return [say("session_line", lang, name=s.name, turns=s.turns, versions=s.versions,
                    updated_at=s.updated_at) for s in found], 0
    info = store.info(args.name)
    turns, versions = store.turns(info.name), store.versions(info.name)
    if args.json:
        return [json.dumps({"session": info.to_dict(), "turns": [t.to_dict() for t in turns],
                            "versions": [v.to_dict() for v in versions]},
                           indent=2, ensure_ascii=False)], 0
    lines = [say("session_head", lang, name=info.name, turns=info.turns,
                 created_at=info.created_at)]
    for turn in turns:
        version = say("version_tag", lang, number=turn.version) if turn.version is not None \
            else ""
        lines.append(f"  {turn.index}. {turn.transcript!r} -> {turn.say}{version}")
    if versions:
        lines.append(say("versions", lang))
        lines += ["  " + line for line in versions_summary(versions)]
    return lines, 0
