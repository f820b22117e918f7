"""Status lines shared by the web app's tabs."""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
import threading
import uuid
from pathlib import Path

from voice_agent.core.errors import VoiceAgentError
from voice_agent.service.errors import ServiceError, scrub_paths

log = logging.getLogger("voice_agent.modes.web")


def message(text: str, kind: str = "info", lang: str = "en") -> str:
    """A status line for the page (Markdown), its label in the interface language."""
    from voice_agent.modes.ui_text import t

    keys = {"ok": "web.done", "error": "web.problem", "busy": "web.working",
            "warning": "web.warning"}
    return f"{t(keys[kind], lang) if kind in keys else ''}{text}"


def failure_message(exc: Exception, lang: str = "en") -> str:
    """The page's message for a failed action (in ``lang`` where the error has it); a bug
    is logged, never shown as a dead page."""
    if isinstance(exc, VoiceAgentError):
        return message(scrub_paths(exc.localized(lang)), "error", lang)
    log.exception("web action failed")
    return message(f"Something went wrong: {type(exc).__name__}: {scrub_paths(str(exc))}. "
                   "The details are in the server log; try again.", "error")


def upload_folder() -> Path:
    """The folder Gradio stores browser uploads in (``GRADIO_TEMP_DIR``, else
    ``<temp>/gradio``: gradio.utils.get_upload_folder), resolved."""
    folder = os.environ.get("GRADIO_TEMP_DIR") or str(Path(tempfile.gettempdir()) / "gradio")
    return Path(folder).resolve()


def uploaded(path: str | Path) -> Path:
    """``path`` if it is a file Gradio received as an upload; refused otherwise.

    A Gradio API call can name any server path as a "file"; only files inside the
    upload folder are ever read (Gradio checks this too, see create_web_app: this is the
    second lock on the door).
    """
    resolved = Path(path).resolve()
    if not resolved.is_relative_to(upload_folder()) or not resolved.is_file():
        raise ServiceError("That file was not uploaded here: upload or record it again.")
    return resolved


class Published:
    """Copies of the files the page may offer (players, downloads), in one folder.

    Gradio serves only files under its allowed paths; the request folders, the library
    and the speaker recordings are never among them. What a handler returns is copied
    here first; the newest ``keep`` copies are kept.
    """

    def __init__(self, folder: Path, keep: int = 200) -> None:
        self.folder = Path(folder).resolve()
        self.folder.mkdir(parents=True, exist_ok=True)
        self.keep = keep
        self._lock = threading.Lock()

    def __call__(self, path: str | Path | None, name: str | None = None) -> str | None:
        """A servable copy of ``path`` (None stays None), named ``name`` when given (a
        download name that says what it is, e.g. ``cumbia_128bpm_clip12.mid``)."""
        if not path:
            return None
        source = Path(path)
        target = self.folder / uuid.uuid4().hex[:16] / Path(name or source.name).name
        target.parent.mkdir()
        shutil.copyfile(source, target)
        self._prune()
        return str(target)

    def _prune(self) -> None:
        with self._lock:
            folders = sorted(self.folder.iterdir(), key=lambda p: p.stat().st_mtime)
            for old in folders[: max(0, len(folders) - self.keep)]:
                shutil.rmtree(old, ignore_errors=True)
