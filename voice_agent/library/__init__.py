"""The person's clip library: every rendered clip stored, playlists managed by voice, lyrics.

See ``store`` (SQLite + atomic files), ``commands`` (the pipeline hook that applies
library intents and version commands), ``sessions`` (conversations and versions kept on
disk), ``lyrics`` (structured lyrics from the model or templates) and
``voiceover`` (lyrics spoken over the music). The public API is described in README.
"""

from voice_agent.responder.commands import DEFAULT_PLAYLIST, LAST_ITEM
from voice_agent.library.commands import (LibraryAction, LibraryOutcome, LibraryScope,
                                          LibrarySession)
from voice_agent.library.lyrics import (LyricsRequest, LyricsWriter, parse_lyrics_request,
                                        template_lyrics)
from voice_agent.library.records import ClipRecord, PlaylistEntry, PlaylistSummary
from voice_agent.library.sessions import SessionInfo, SessionStore, SessionTurn, Version
from voice_agent.library.store import (SCHEMA_VERSION, Library, LibraryError,
                                       default_library_dir)
from voice_agent.library.voiceover import speak_over_music

__all__ = ["DEFAULT_PLAYLIST", "LAST_ITEM", "SCHEMA_VERSION", "ClipRecord", "Library",
           "LibraryAction", "LibraryError", "LibraryOutcome", "LibraryScope", "LibrarySession", "LyricsRequest",
           "LyricsWriter", "PlaylistEntry", "PlaylistSummary", "SessionInfo", "SessionStore",
           "SessionTurn", "Version", "default_library_dir", "parse_lyrics_request",
           "speak_over_music", "template_lyrics"]
