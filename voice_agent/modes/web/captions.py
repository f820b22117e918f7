"""The Captions tab: caption a folder or uploaded files into a training dataset.

The same batch as ``voice-agent caption`` (:mod:`voice_agent.workshop.batch`), with Gradio's
progress bar. The language model writes the captions when the service's responder can
answer to a JSON schema (each call queued with the other work); in ``--fake`` mode they
come from the template. CLAP tags join when the server was started with ``--clap-model``.

Safe to serve: a folder is read only when the server listens on loopback (the person at
the browser owns the machine); a server reachable from elsewhere takes uploads only, each
checked to be an upload (:func:`~voice_agent.modes.web.common.uploaded`). A folder's
dataset lives in one place per folder and language, so running it again resumes; an
upload's dataset is offered as a zip of ``captions.jsonl`` (audio paths relative to it)
and the audio, which is what the trainer reads anywhere.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import uuid
import zipfile
from pathlib import Path
from typing import Any

import gradio as gr

from voice_agent.modes.ui_text import t
from voice_agent.modes.web.common import Published, failure_message, message, uploaded
from voice_agent.service import AgentService, ServiceError
from voice_agent.workshop.batch import caption_batch
from voice_agent.workshop.caption import Captioner

TABLE_COLUMNS = ("file", "caption", "tempo", "key", "error")


class CaptionActions:
    """The tab's one action; returns name -> value updates and never raises."""

    def __init__(self, service: AgentService, publish: Published, lang: str = "en",
                 folders: bool = True) -> None:
        self.service = service
        self.publish = publish
        self.lang = lang
        self.folders = folders
        self.root = service.store.root.parent / "captions"

    def run(self, folder: str, files: list[str] | None, language: str,
            progress: Any = None) -> dict[str, Any]:
        """Caption ``folder`` (resuming) or the uploaded ``files``; the table and download."""
        try:
            return self._run(folder.strip() if folder else "", files or [], language, progress)
        except Exception as exc:  # noqa: BLE001 - shown on the page
            return {"status": failure_message(exc)}

    def _run(self, folder: str, files: list[str], language: str, progress: Any) -> dict[str, Any]:
        if not folder and not files:
            return {"status": message(t("captions.nothing", self.lang), "error", self.lang)}
        complete = self.service.caption_completer()
        captioner = Captioner(complete, language)
        bar = (lambda todo: progress.tqdm(todo, desc="captions")) if progress else None
        if folder:
            out, download = self._folder_dataset(folder, language)
            summary = caption_batch([folder], out, captioner, self.service.clap_scorer(), bar)
            named = self.publish(out, "captions.jsonl")
        else:
            out = self._upload_dataset(files)
            summary = caption_batch([out.parent / "audio"], out, captioner,
                                    self.service.clap_scorer(), bar)
            named = self.publish(portable_zip(out), "captions.zip")
        by = t("captions.by_llm" if complete else "captions.by_template", self.lang)
        status = t("captions.done", self.lang, captioned=summary.captioned,
                   failed=summary.failed, skipped=summary.skipped, found=summary.found, by=by)
        return {"status": message(status, "ok", self.lang), "table": table_rows(out),
                "download": gr.update(value=named, interactive=True)}

    def _folder_dataset(self, folder: str, language: str) -> tuple[Path, None]:
        if not self.folders:
            raise ServiceError(t("captions.no_folders", self.lang))
        path = Path(folder).expanduser().resolve()
        if not path.is_dir():
            raise ServiceError(t("captions.no_folder", self.lang))
        ident = hashlib.sha1(f"{path}\0{language}".encode()).hexdigest()[:12]
        return self.root / f"folder-{ident}" / "captions.jsonl", None

    def _upload_dataset(self, files: list[str]) -> Path:
        run = self.root / f"upload-{uuid.uuid4().hex[:12]}"
        (run / "audio").mkdir(parents=True)
        for index, name in enumerate(files):
            source = uploaded(name)
            shutil.copyfile(source, run / "audio" / f"{index:04d}_{source.name}")
        return run / "captions.jsonl"


def table_rows(out: Path) -> list[list[Any]]:
    """The dataset as the page's table: file name, caption, tempo, key, error."""
    rows = []
    for line in out.read_text(encoding="utf-8").splitlines():
        try:
            row = json.loads(line)
        except ValueError:
            continue
        features = row.get("features") or {}
        key = f"{features.get('key')} {features.get('mode')}" if features.get("key") else ""
        rows.append([Path(row["audio"]).name, row.get("caption") or "",
                     features.get("tempo_bpm") or "", key, row.get("error") or ""])
    return rows


def portable_zip(out: Path) -> Path:
    """``captions.zip`` beside ``out``: the rows with audio paths relative to the JSONL
    (``audio/NAME``) and the audio files, so the dataset can be trained on elsewhere."""
    target = out.with_suffix(".zip")
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
        lines = []
        for line in out.read_text(encoding="utf-8").splitlines():
            row = json.loads(line)
            audio = Path(row["audio"])
            row["audio"] = f"audio/{audio.name}"
            if audio.is_file():
                archive.write(audio, row["audio"])
            lines.append(json.dumps(row, ensure_ascii=False))
        archive.writestr("captions.jsonl", "\n".join(lines) + "\n")
    return target


def captions_tab(service: AgentService, publish: Published, lang: str = "en",
                 folders: bool = True) -> None:
    """The Captions tab's components and events (inside a ``gr.Tab``)."""
    actions = CaptionActions(service, publish, lang, folders)
    gr.Markdown(t("captions.intro", lang))
    with gr.Row():
        with gr.Column(scale=1):
            folder = gr.Textbox(label=t("captions.folder", lang), elem_id="captions-folder",
                                info=t("captions.folder_help", lang), interactive=folders)
            files = gr.File(label=t("captions.files", lang), file_count="multiple",
                            file_types=["audio"], elem_id="captions-files")
            language = gr.Radio(["en", "es"], value=lang, label=t("captions.language", lang),
                                elem_id="captions-language")
            run = gr.Button(t("captions.run", lang), variant="primary", elem_id="captions-run")
            status = gr.Markdown(elem_id="captions-status")
            download = gr.DownloadButton(t("captions.download", lang), interactive=False,
                                         elem_id="captions-download")
        with gr.Column(scale=2):
            table = gr.Dataframe(headers=list(TABLE_COLUMNS), label=t("captions.table", lang),
                                 elem_id="captions-table", interactive=False, wrap=True)
    outputs = {"status": status, "table": table, "download": download}

    def work(folder_value, file_values, language_value, progress=gr.Progress()):
        update = actions.run(folder_value, file_values, language_value, progress)
        return {outputs[name]: value for name, value in update.items()}

    run.click(work, [folder, files, language], list(outputs.values()))
