"""Kokoro voice styles from the npm package ``kokoro-js``: fetched once, sha256-checked.

The Kokoro-82M PyPI parts carry only the model; the 54 voice style tables (510 x 256
float32 each, Apache-2.0, hexgrad) ship in the npm package ``kokoro-js@1.2.1`` under
``voices/*.bin``. :func:`fetch_kokoro_voices` runs ``npm pack``, checks the tarball's
sha256 against a pinned value and extracts ``voices/`` into the model cache;
:func:`load_voice_styles` reads them back.
"""

from __future__ import annotations

import hashlib
import logging
import shutil
import subprocess
import tarfile
import tempfile
from pathlib import Path

import numpy as np

from voice_agent.core.errors import ModelNotFoundError
from voice_agent.core.models import cache_home

log = logging.getLogger(__name__)

NPM_PACKAGE = "kokoro-js@1.2.1"
TARBALL_NAME = "kokoro-js-1.2.1.tgz"
TARBALL_SHA256 = "1f0d0383ef0349af0bd9440d81dc12abbea3a5392eb645283eda876f537f5860"
STYLE_SHAPE = (510, 1, 256)  # one 256-d style per phoneme count, as kokoro-onnx indexes it
VOICE_COUNT = 54


def voices_dir() -> Path:
    """Folder holding the extracted ``*.bin`` voice styles."""
    return cache_home() / "models" / "kokoro-js-voices" / "voices"


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _npm_pack(workdir: Path) -> Path:
    """Run ``npm pack`` (registry access only) and return the tarball path."""
    npm = shutil.which("npm")
    if npm is None:
        raise ModelNotFoundError(
            "Kokoro voice styles come from the npm package kokoro-js, but 'npm' is not "
            "installed. Install Node.js/npm (apt-get install npm) and run "
            "scripts/fetch_kokoro_voices.sh, or pass a downloaded kokoro-js-1.2.1.tgz."
        )
    subprocess.run([npm, "pack", NPM_PACKAGE, "--silent"], cwd=workdir, check=True,
                   capture_output=True, timeout=300)
    return workdir / TARBALL_NAME


def _extract_voices(tarball: Path, target: Path) -> int:
    """Extract only ``package/voices/*.bin`` (no paths outside ``target``)."""
    target.mkdir(parents=True, exist_ok=True)
    count = 0
    with tarfile.open(tarball, "r:gz") as archive:
        for member in archive.getmembers():
            name = Path(member.name)
            if member.isfile() and name.parent.as_posix() == "package/voices" \
                    and name.suffix == ".bin":
                data = archive.extractfile(member).read()
                (target / name.name).write_bytes(data)
                count += 1
    return count


def fetch_kokoro_voices(tarball: str | Path | None = None, force: bool = False) -> Path:
    """Make sure the Kokoro voice styles are in the cache; return their folder.

    ``tarball`` is an already downloaded ``kokoro-js-1.2.1.tgz``; without it ``npm pack``
    fetches one. The tarball must match the pinned sha256.
    """
    target = voices_dir()
    if not force and len(list(target.glob("*.bin"))) >= VOICE_COUNT:
        return target
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tarball) if tarball else _npm_pack(Path(tmp))
        actual = _sha256(path)
        if actual != TARBALL_SHA256:
            raise ModelNotFoundError(
                f"{path.name} has sha256 {actual}, expected {TARBALL_SHA256} "
                f"({NPM_PACKAGE}). Refusing to use unverified voice styles."
            )
        count = _extract_voices(path, target)
    log.info("Extracted %d Kokoro voice styles into %s", count, target)
    return target


def load_voice_styles(names: list[str] | None = None) -> dict[str, np.ndarray]:
    """Read voice styles (``{name: (510, 1, 256) float32}``); all of them without ``names``."""
    folder = voices_dir()
    paths = sorted(folder.glob("*.bin")) if names is None else [folder / f"{n}.bin" for n in names]
    missing = [p.stem for p in paths if not p.is_file()]
    if missing or not paths:
        raise ModelNotFoundError(
            f"Kokoro voice styles missing from {folder} ({', '.join(missing) or 'none found'}). "
            "Run scripts/fetch_kokoro_voices.sh (it runs: npm pack kokoro-js@1.2.1)."
        )
    return {p.stem: np.fromfile(p, dtype="<f4").reshape(STYLE_SHAPE) for p in paths}
