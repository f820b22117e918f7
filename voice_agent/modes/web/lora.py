"""The web app's "LoRA training" tab (workshop): train an adapter on MusicGen's decoder.

Pick a dataset (a JSON-lines file on this server, or an upload: a ``.zip`` holding the
``.jsonl`` and its audio, or a ``.jsonl`` whose relative paths are resolved against an
audio folder on this server), a MusicGen folder on this server and the hyperparameters;
the run shows each epoch's losses and the loss curve as it goes, and offers the adapter
as a zip when it ends. Adapters are written under the web app's output folder
(``<out>/lora/<name>``), so a run started here can be resumed here.

The training runs in a worker thread, one run at a time; it reads the folders the person
names, which is why the web app needs its token off loopback (docs/server.md).
"""

from __future__ import annotations

import json
import queue
import re
import threading
import uuid
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import gradio as gr

from voice_agent.core.errors import ConfigError
from voice_agent.modes.ui_text import t
from voice_agent.modes.web.common import failure_message, message, uploaded
from voice_agent.workshop.lora import LoraSettings, TrainingEvent, train_lora

COLUMNS = ["epoch", "train loss", "validation loss", "seconds"]
ADAPTER_FILES = ("adapter_config.json", "adapter_model.safetensors", "training.json",
                 "loss_curve.png", "README.md")
_DONE = object()


class LoraActions:
    """What the tab's button does; :meth:`train` yields name -> value dicts."""

    def __init__(self, work_root: Path, publish: Callable[..., str | None],
                 lang: str = "en") -> None:
        self.root = Path(work_root)
        self.publish = publish
        self.lang = lang
        self._busy = threading.Lock()

    # --- the dataset --------------------------------------------------------------

    def dataset(self, path_text: str, upload: str | None, audio_folder: str) -> Path:
        """The JSON-lines file to train on: an upload (zip or jsonl) or a server path."""
        if upload:
            source = uploaded(upload)
            if source.suffix.lower() == ".zip":
                return self._unzip(source)
            return self._rebase(source, audio_folder)
        if not (path_text or "").strip():
            raise ConfigError(t("lora.no_dataset", self.lang))
        return Path(path_text.strip()).expanduser()

    def _workspace(self) -> Path:
        folder = self.root / "datasets" / uuid.uuid4().hex[:12]
        folder.mkdir(parents=True)
        return folder

    def _unzip(self, archive: Path) -> Path:
        """Extract a zip (no member may land outside its folder) and find its .jsonl."""
        folder = self._workspace()
        with zipfile.ZipFile(archive) as bundle:
            for member in bundle.namelist():
                if not (folder / member).resolve().is_relative_to(folder.resolve()):
                    raise ConfigError(f"The zip names a file outside itself ({member}).")
            bundle.extractall(folder)
        found = sorted(folder.rglob("*.jsonl"))
        if not found:
            raise ConfigError(t("lora.zip_without_jsonl", self.lang))
        return found[0]

    def _rebase(self, jsonl: Path, audio_folder: str) -> Path:
        """A copy of an uploaded .jsonl with relative audio paths under ``audio_folder``."""
        base = Path(audio_folder.strip()).expanduser() if (audio_folder or "").strip() else None
        lines = []
        for line in jsonl.read_text(encoding="utf-8", errors="replace").splitlines():
            try:
                row = json.loads(line)
            except json.JSONDecodeError:
                lines.append(line)  # the trainer reports it as a skipped row
                continue
            audio = row.get("audio") if isinstance(row, dict) else None
            if base is not None and isinstance(audio, str) and not Path(audio).is_absolute():
                row["audio"] = str(base / audio)
            lines.append(json.dumps(row, ensure_ascii=False))
        target = self._workspace() / jsonl.name
        target.write_text("\n".join(lines) + "\n", encoding="utf-8")
        return target

    # --- a run ----------------------------------------------------------------------

    def adapter_dir(self, name: str) -> Path:
        """``<out>/lora/<name>``; the name is kept to letters, digits, '-' and '_'."""
        clean = re.sub(r"[^A-Za-z0-9_-]+", "-", (name or "").strip()).strip("-")[:64]
        return self.root / "lora" / (clean or "adapter")

    def train(self, path_text: str, upload: str | None, audio_folder: str, base: str,
              name: str, rank: float, alpha: float, lr: float, epochs: float,
              batch_size: float, max_seconds: float, validation_fraction: float,
              seed: float, resume: bool) -> Iterator[dict[str, Any]]:
        """Run one training, yielding the status, the epoch table, the curve and at the
        end the adapter zip; every failure is a message, never an exception."""
        if not self._busy.acquire(blocking=False):
            yield {"status": message(t("lora.busy", self.lang), "warning")}
            return
        try:
            settings = LoraSettings(rank=int(rank), alpha=float(alpha), lr=float(lr),
                                    epochs=int(epochs), batch_size=int(batch_size),
                                    max_seconds=float(max_seconds),
                                    validation_fraction=float(validation_fraction),
                                    seed=int(seed))
            data = self.dataset(path_text, upload, audio_folder)
            if not (base or "").strip():
                raise ConfigError(t("lora.no_base", self.lang))
            out = self.adapter_dir(name)
            yield from self._run(data, Path(base.strip()).expanduser(), out, settings, resume)
        except Exception as exc:  # noqa: BLE001 - the page shows it; a bug is logged
            yield {"status": failure_message(exc)}
        finally:
            self._busy.release()

    def _run(self, data: Path, base: Path, out: Path, settings: LoraSettings,
             resume: bool) -> Iterator[dict[str, Any]]:
        events: queue.Queue = queue.Queue()
        outcome: dict[str, Any] = {}

        def work() -> None:
            try:
                outcome["result"] = train_lora(data, base, out, settings, resume=resume,
                                               on_event=events.put)
            except Exception as exc:  # noqa: BLE001 - handed to the page below
                outcome["error"] = exc
            events.put(_DONE)

        threading.Thread(target=work, name="lora-training", daemon=True).start()
        rows: list[list[Any]] = []
        yield {"status": message(t("lora.loading", self.lang), "busy"), "table": [],
               "download": None}
        while (event := events.get()) is not _DONE:
            yield self._progress(event, rows, out)
        if "error" in outcome:
            raise outcome["error"]
        yield self._finished(outcome["result"], rows)

    def _progress(self, event: TrainingEvent, rows: list, out: Path) -> dict[str, Any]:
        if event.kind == "encode":
            return {"status": message(t("lora.encoding", self.lang, done=event.done,
                                        total=event.total), "busy")}
        if event.kind == "epoch" and event.epoch:
            e = event.epoch
            rows.append([e.epoch, round(e.train_loss, 4), round(e.validation_loss, 4),
                         round(e.seconds, 1)])
            return {"status": message(t("lora.epoch", self.lang, epoch=e.epoch,
                                        epochs=event.total), "busy"),
                    "table": list(rows), "curve": self.publish(out / "loss_curve.png")}
        return {"status": message(event.message, "busy")}

    def _finished(self, result, rows: list) -> dict[str, Any]:
        if not rows:  # a resumed run shows the epochs it continued from as well
            rows.extend([e.epoch, round(e.train_loss, 4), round(e.validation_loss, 4),
                         round(e.seconds, 1)] for e in result.epochs)
        archive = self._zip(result.adapter_dir)
        first, last = result.epochs[0], result.epochs[-1]
        text = t("lora.finished", self.lang, train=result.train_clips,
                 held=result.validation_clips, skipped=len(result.skipped),
                 first=first.validation_loss, last=last.validation_loss,
                 name=result.adapter_dir.name)
        if result.skipped:
            text += "\n\n" + "\n".join(f"- line {r.line}: {r.reason}" for r in result.skipped[:20])
        return {"status": message(text, "ok"), "table": list(rows),
                "curve": self.publish(result.curve_path),
                "download": self.publish(archive, f"{result.adapter_dir.name}-lora.zip")}

    def _zip(self, adapter: Path) -> Path:
        """The adapter folder's files (no checkpoint) in one zip, beside the folder."""
        archive = adapter.parent / f"{adapter.name}.zip"
        with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as bundle:
            for name in ADAPTER_FILES:
                if (adapter / name).is_file():
                    bundle.write(adapter / name, f"{adapter.name}/{name}")
        return archive


def lora_tab(work_root: Path, publish: Callable[..., str | None], lang: str = "en") -> None:
    """The tab's components and wiring (inside a ``gr.Tab``)."""
    actions = LoraActions(work_root, publish, lang)
    d = LoraSettings()
    gr.Markdown(t("lora.intro", lang))
    with gr.Row():
        with gr.Column():
            path = gr.Textbox(label=t("lora.dataset_path", lang), max_lines=1,
                              placeholder="/data/captions.jsonl", elem_id="lora-data")
            upload = gr.File(label=t("lora.dataset_upload", lang), file_types=[".jsonl", ".zip"],
                             type="filepath", elem_id="lora-upload")
            audio_folder = gr.Textbox(label=t("lora.audio_folder", lang), max_lines=1)
            base = gr.Textbox(label=t("lora.base", lang), max_lines=1,
                              placeholder="/models/musicgen-small", elem_id="lora-base")
            name = gr.Textbox(label=t("lora.name", lang), value="my-style", max_lines=1,
                              elem_id="lora-name")
        with gr.Column():
            with gr.Row():
                rank = gr.Number(d.rank, label=t("lora.rank", lang), precision=0, minimum=1)
                alpha = gr.Number(d.alpha, label="alpha", minimum=0)
                lr = gr.Number(d.lr, label=t("lora.lr", lang), minimum=0)
            with gr.Row():
                epochs = gr.Number(d.epochs, label=t("lora.epochs", lang), precision=0,
                                   minimum=1, elem_id="lora-epochs")
                batch = gr.Number(d.batch_size, label=t("lora.batch", lang), precision=0,
                                  minimum=1)
                seconds = gr.Number(d.max_seconds, label=t("lora.max_seconds", lang), minimum=0,
                                    elem_id="lora-seconds")
            with gr.Row():
                held = gr.Number(d.validation_fraction, label=t("lora.validation", lang),
                                 minimum=0, maximum=0.9)
                seed = gr.Number(d.seed, label=t("lora.seed", lang), precision=0, minimum=0)
            resume = gr.Checkbox(False, label=t("lora.resume", lang))
            start = gr.Button(t("lora.train", lang), variant="primary", elem_id="lora-train")
    status = gr.Markdown(elem_id="lora-status")
    with gr.Row():
        table = gr.Dataframe(headers=COLUMNS, label=t("lora.table", lang), interactive=False,
                             elem_id="lora-table")
        curve = gr.Image(label=t("lora.curve", lang), type="filepath", elem_id="lora-curve")
    download = gr.File(label=t("lora.download", lang), interactive=False,
                       elem_id="lora-download")
    outputs = {"status": status, "table": table, "curve": curve, "download": download}

    def run(*values):
        for update in actions.train(*values):
            yield [update.get(key, gr.update()) for key in outputs]

    start.click(run, [path, upload, audio_folder, base, name, rank, alpha, lr, epochs, batch,
                      seconds, held, seed, resume], list(outputs.values()),
                api_name="train_lora", concurrency_limit=1)
