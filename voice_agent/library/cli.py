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


def add_library_parser(sub: argparse._SubParsersAction, func: Callable) -> None:
    """The ``library`` subcommand and its four actions."""
    library = sub.add_parser("library", help="your stored clips and playlists")
    library.add_argument("--library-dir", help="library folder (default: [library] path, "
                                               "else $VOICE_AGENT_HOME/library)")
    library.add_argument("--config", help="TOML config file (its [library] path is used)")
    library.add_argument("-v", "--verbose", action="count", default=0,
                         help="more log output (-vv: debug)")
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


def run(args: argparse.Namespace, confirm: Callable[[str], bool]) -> tuple[list[str], int]:
    """Do one library action; returns (lines to print, exit code)."""
    library = open_library(args)
    if args.action == "delete":
        return delete_lines(library, args, confirm)
    action = {"list": list_lines, "play": play_lines, "export": export_lines,
              "sessions": session_lines}[args.action]
    return action(library, args)


def _describe(record: ClipRecord) -> str:
    plan = record.plan
    details = f"{plan.bpm} BPM, {plan.key} {plan.mode}" if plan else "no plan"
    lyrics = f", lyrics ({record.lyrics.source})" if record.lyrics else ""
    return (f"{record.title} — clip {record.clip_id}, {record.duration_s:.1f} s, {details}"
            f"{lyrics}; asked: \"{record.transcript}\" ({record.created_at})")


def list_lines(library: Library, args: argparse.Namespace) -> tuple[list[str], int]:
    """The playlists, every clip, or one playlist."""
    if args.playlists:
        found = library.playlists()
        if args.json:
            return [json.dumps([p.to_dict() for p in found], ensure_ascii=False, indent=2)], 0
        return [f"{p.name}: {p.count} clip{'s' if p.count != 1 else ''}" for p in found], 0
    if args.all:
        lines, code = _every_clip(library, args.json, "")
        return [line for line in lines if line], code
    name = playlist_name(args.playlist or DEFAULT_PLAYLIST)
    entries = library.playlist(name)
    if args.playlist is None and not entries:  # nothing saved yet: show what was made
        return _every_clip(library, args.json, f"No clips saved to {name} yet (say \"save "
                                               "this\" after one you like). Every clip made, "
                                               "newest first:")
    if args.json:
        return [json.dumps([e.to_dict() for e in entries], ensure_ascii=False, indent=2)], 0
    if not entries:
        return [f"The playlist '{name}' is empty. Say \"save this\" after a clip you like, "
                "or see every stored clip with 'voice-agent library list --all'."], 0
    lines = [f"{name}:"] + [f"{e.number:3d}. {_describe(e.clip)}" for e in entries]
    others = library.count() - len(entries)
    if args.playlist is None and others > 0:
        lines.append(f"(and {others} more clip{'s' if others != 1 else ''} made: "
                     "voice-agent library list --all)")
    return lines, 0


def _every_clip(library: Library, as_json: bool, heading: str) -> tuple[list[str], int]:
    clips = library.clips()
    if as_json:
        return [json.dumps([c.to_dict() for c in clips], ensure_ascii=False, indent=2)], 0
    if not clips:
        return ["The library is empty: every clip the agent renders is stored here."], 0
    return [heading] + [f"[{c.clip_id}] {_describe(c)}" for c in clips], 0


def _target(library: Library, args: argparse.Namespace) -> ClipRecord:
    if args.clip is not None:
        return library.clip(args.clip)
    if args.number is None:
        raise LibraryError("Say which clip: a playlist number (e.g. 'play 2') or --clip ID.")
    return library.entry(args.number, args.playlist).clip


def play_lines(library: Library, args: argparse.Namespace) -> tuple[list[str], int]:
    """Play a clip on the sound device, or write it to a file when there is none."""
    from voice_agent.core.audio import write_wav

    record = _target(library, args)
    audio = library.load_audio(record.clip_id, with_lyrics=args.lyrics)
    if args.out:
        return [f"wrote {write_wav(args.out, audio)} ({_describe(record)})"], 0
    reason = play_on_device(audio)
    if reason is None:
        return [f"played {_describe(record)}"], 0
    target = Path(f"clip-{record.clip_id}.wav")
    write_wav(target, audio)
    return [f"Cannot play here: {reason}. Wrote {target.resolve()} instead; open it with any "
            "audio player (or pass --out FILE)."], 0


def play_on_device(audio) -> str | None:
    """Play ``audio`` and wait; None when it played, else why it could not."""
    try:
        import sounddevice
    except (ImportError, OSError) as exc:  # OSError: PortAudio itself is missing
        return f"no sound output library ({exc})"
    try:
        sounddevice.query_devices(kind="output")
        sounddevice.play(audio.samples, audio.rate)
        sounddevice.wait()
    except Exception as exc:  # PortAudio raises its own error types
        return f"no sound device ({exc})"
    return None


def export_lines(library: Library, args: argparse.Namespace) -> tuple[list[str], int]:
    """Export clips and say where the manifest is."""
    manifest_path = library.export(args.out_dir, clip_ids=args.clip, playlist=args.playlist)
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    count = len(manifest["clips"])
    return [f"exported {count} clip{'s' if count != 1 else ''} to {manifest_path.parent}; "
            f"manifest: {manifest_path}"], 0


def delete_lines(library: Library, args: argparse.Namespace,
                 confirm: Callable[[str], bool]) -> tuple[list[str], int]:
    """Delete a clip (or take it out of a playlist), after a yes."""
    record = _target(library, args)
    only_playlist = args.only_from_playlist and args.clip is None
    what = (f"remove number {args.number} from '{playlist_name(args.playlist)}'" if only_playlist
            else f"delete clip {record.clip_id} ({record.title}) and its files")
    if not args.yes and not confirm(f"{what}? [y/N] "):
        return ["Nothing deleted (confirm at the prompt, or pass --yes)."], 1
    if only_playlist:
        library.remove_from_playlist(args.number, args.playlist)
        return [f"removed {record.title} from '{playlist_name(args.playlist)}' "
                f"(clip {record.clip_id} is still in the library)"], 0
    library.delete_clip(record.clip_id)
    return [f"deleted clip {record.clip_id} ({record.title})"], 0



def session_lines(library: Library, args: argparse.Namespace) -> tuple[list[str], int]:
    """Every stored session, or one session's turns and its versions."""
    from voice_agent.library.sessions import SessionStore, versions_summary

    store = SessionStore(library)
    if not args.name:
        found = store.sessions()
        if args.json:
            return [json.dumps([s.to_dict() for s in found], indent=2, ensure_ascii=False)], 0
        if not found:
            return ["No sessions yet: 'voice-agent run --session NAME --text ...' starts one."], 0
        return [f"{s.name}: {s.turns} turn{'s' if s.turns != 1 else ''}, {s.versions} "
                f"version{'s' if s.versions != 1 else ''} (last used {s.updated_at})"
                for s in found], 0
    info = store.info(args.name)
    turns, versions = store.turns(info.name), store.versions(info.name)
    if args.json:
        return [json.dumps({"session": info.to_dict(), "turns": [t.to_dict() for t in turns],
                            "versions": [v.to_dict() for v in versions]},
                           indent=2, ensure_ascii=False)], 0
    lines = [f"session {info.name}: {info.turns} turns since {info.created_at}"]
    for turn in turns:
        version = f" [version {turn.version}]" if turn.version is not None else ""
        lines.append(f"  {turn.index}. {turn.transcript!r} -> {turn.say}{version}")
    if versions:
        lines.append("versions:")
        lines += ["  " + line for line in versions_summary(versions)]
    return lines, 0
