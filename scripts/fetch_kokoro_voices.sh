#!/usr/bin/env bash
# Fetch the Kokoro voice styles (npm package kokoro-js@1.2.1, Apache-2.0), check the
# tarball's pinned sha256 and extract voices/*.bin into the voice_agent model cache.
# Usage: scripts/fetch_kokoro_voices.sh [path/to/kokoro-js-1.2.1.tgz]
# PYTHON defaults to the project's virtualenv.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PYTHON="${PYTHON:-$ROOT/.venv/bin/python}"
cd "$ROOT"
"$PYTHON" - "${1:-}" <<'PY'
import logging, sys
from voice_agent.speech.kokoro_voices import fetch_kokoro_voices
logging.basicConfig(level=logging.INFO, format="%(message)s")
tarball = sys.argv[1] or None
print(fetch_kokoro_voices(tarball))
PY
