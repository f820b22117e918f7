#!/bin/bash
# the blind twenty-third set, run once: spoken rules (first 30), typed rules, model typed (first 12)
cd /work/run23
PY=/work/main/.venv/bin/python
export PYTHONPATH=/work/run23
set -x
date
$PY benchmarks/conversation_bench.py --only eval_fresh23.json --spoken-only --llm-backend rules --limit 30 --config benchmarks/conversations/shared_machine.toml --out benchmarks/results/conversations_fresh23_spoken
date
$PY benchmarks/conversation_bench.py --only eval_fresh23.json --typed-only --llm-backend rules --out benchmarks/results/conversations_fresh23
date
$PY benchmarks/conversation_bench.py --only eval_fresh23.json --typed-only --limit 12 --out benchmarks/results/conversations_fresh23_llm
date
