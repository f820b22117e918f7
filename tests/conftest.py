"""Shared fixtures. Real-model tests are marked ``real_model``."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

# Ray reads its settings once, when it is imported: the Ray engine's tests start a private
# Ray of two nodes (token authentication), so its environment is set before any test
# module imports Ray. It only sets RAY_* variables and imports nothing of Ray.
from voice_agent.modes.cluster.local import private_ray_env

private_ray_env(multi_node=True)

ASSETS = Path(__file__).resolve().parent.parent / "assets"
REQUESTS = ASSETS / "requests"


@pytest.fixture(autouse=True)
def private_library(tmp_path, monkeypatch):
    """Every test's clip library lives in its own folder, never the person's real one."""
    monkeypatch.setenv("VOICE_AGENT_LIBRARY", str(tmp_path / "library"))
    return tmp_path / "library"


@pytest.fixture
def isolated_cache(tmp_path, monkeypatch):
    """A private VOICE_AGENT_HOME so tests never touch the real model cache."""
    monkeypatch.setenv("VOICE_AGENT_HOME", str(tmp_path / "home"))
    return tmp_path / "home"


def espeak_wav(path: Path, text: str, voice: str = "en-us") -> Path:
    """Synthesize ``text`` with espeak-ng (a test-time spoken request)."""
    import subprocess

    if not shutil.which("espeak-ng"):
        pytest.fail("espeak-ng is not installed; scripts/setup.sh installs it")
    subprocess.run(["espeak-ng", "-v", voice, "-s", "150", "-w", str(path), text], check=True)
    return path


@pytest.fixture
def upload(tmp_path, monkeypatch):
    """Copy a file into a private Gradio upload folder, as a browser upload lands there:
    the web handlers read only files inside it. Returns the copy's path as a string."""
    folder = tmp_path / "gradio-uploads"
    monkeypatch.setenv("GRADIO_TEMP_DIR", str(folder))

    def copy(path) -> str:
        target = folder / f"u{len(list(folder.glob('u*'))) if folder.exists() else 0}"
        target.mkdir(parents=True)
        return str(Path(shutil.copy(path, target)))
    return copy


@pytest.fixture(scope="module")
def browser():
    """One headless Chromium per test module (Debian's, driven by Playwright)."""
    from playwright.sync_api import sync_playwright

    from tests.test_web_e2e import launch_chromium

    with sync_playwright() as playwright:
        chromium = launch_chromium(playwright)
        yield chromium
        chromium.close()


#: what Chromium's fake microphone plays, over and over (16 kHz mono PCM16)
FAKE_MICROPHONE_WAV = REQUESTS / "example_en.wav"


@pytest.fixture(scope="module")
def microphone_browser():
    """A headless Chromium whose microphone plays FAKE_MICROPHONE_WAV in a loop, granted to
    every page without asking (Chromium's fake media devices)."""
    from playwright.sync_api import sync_playwright

    from tests.test_web_e2e import launch_chromium

    args = ("--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream",
            f"--use-file-for-fake-audio-capture={FAKE_MICROPHONE_WAV}")
    with sync_playwright() as playwright:
        chromium = launch_chromium(playwright, args)
        yield chromium
        chromium.close()
