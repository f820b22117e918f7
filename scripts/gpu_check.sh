#!/usr/bin/env bash
# XTTS v2 and MusicGen at full size on a CUDA GPU: the CPU benchmark's figures (seconds per
# audio-second, first audio, peak memory, peak GPU memory) with CUDA, MusicGen in float16.
# Uses the checkpoints given, or random-weight ones in the published architecture made
# here first (they cost what the real weights cost). Prints a table; writes
# benchmarks/results/models/models_cuda.{json,md}.
#
#   bash scripts/gpu_check.sh [XTTS_DIR] [MUSICGEN_DIR] [MELODY_DIR]
#
# Needs a CUDA build of torch 2.13.0 in .venv (setup.sh installs the CPU build; on a GPU
# machine install torch==2.13.0 from the download.pytorch.org index for your CUDA version).
# Never run on a GPU: none was lent. XTTS runs in float32 (coqui's XTTS is not float16-safe
# end to end). MusicGen melody is given a 4 s hummed tune (its chroma conditioning).
#
#   DRY_RUN=1 bash scripts/gpu_check.sh   # print each command instead of running it (any machine)
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-.venv/bin/python}
WORK=${WORK:-${TMPDIR:-/tmp}/voice-agent-gpu-check}
DRY_RUN=${DRY_RUN:-}

run() {  # run COMMAND...: run it, or with DRY_RUN only show it
  if [ -n "$DRY_RUN" ]; then printf '+ %s\n' "$*" >&2; else "$@"; fi
}

run "$PY" -c 'import torch, sys; sys.exit(0 if torch.cuda.is_available() else
  print("no CUDA device visible to torch", torch.__version__) or 1)'
run "$PY" scripts/check_xtts.py

checkpoint() {  # checkpoint KIND GIVEN_DIR -> a folder
  if [ -n "${2:-}" ]; then echo "$2"; return; fi
  local dir="$WORK/$1"
  [ -f "$dir/RANDOM_WEIGHTS.txt" ] || run "$PY" scripts/make_random_checkpoints.py --kind "$1" --out "$dir" >&2
  echo "$dir"
}

XTTS=$(checkpoint xtts-v2 "${1:-}")
MUSICGEN=$(checkpoint musicgen-small "${2:-}")
MELODY=$(checkpoint musicgen-melody "${3:-}")
PYTHONPATH=$PWD run "$PY" benchmarks/models_bench.py --device cuda --dtype float16 \
  --xtts "$XTTS" --musicgen "$MUSICGEN" --melody "$MELODY" --seconds 10
