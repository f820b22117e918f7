"""Files the library writes: atomically, so a killed process never leaves half a file."""

from __future__ import annotations

import os
import shutil
import uuid
from datetime import datetime, timezone
from pathlib import Path

from voice_agent.core.errors import VoiceAgentError

#: Temporary files start with this; a crash can leave one, and the library ignores them.
TEMP_PREFIX = ".tmp-"


class LibraryError(VoiceAgentError):
    """A library request that cannot be done (no such clip or number, unreadable database).

    Raised as ``LibraryError(key="no_clip", clip_id=3)``: the message comes from
    :data:`voice_agent.library.messages.TEXT`, so :meth:`localized` has it in Spanish too.
    """

    kind = "library"

    def __init__(self, message: str = "", *, key: str = "", **values: object) -> None:
        from voice_agent.library.messages import say

        self.key, self.values = key, values
        super().__init__(say(key, "en", **values) if key else message)

    def localized(self, language: str) -> str:
        """The message in ``language`` (its English text when it has no key)."""
        from voice_agent.library.messages import say

        return say(self.key, language, **self.values) if self.key else str(self)


def now_iso() -> str:
    """The current UTC time, ISO-8601 to the second."""
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def write_atomically(path: Path, data: bytes) -> Path:
    """Write ``data`` to ``path`` via a temp file in the same folder, fsync and rename."""
    temp = path.with_name(f"{TEMP_PREFIX}{uuid.uuid4().hex[:8]}-{path.name}")
    try:
        with open(temp, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp, path)
    finally:
        temp.unlink(missing_ok=True)
    return path


def copy_file(source: Path, target: Path) -> None:
    """Copy a file atomically (a reader never sees half of it)."""
    temp = target.with_name(TEMP_PREFIX + target.name)
    shutil.copyfile(source, temp)
    os.replace(temp, target)

