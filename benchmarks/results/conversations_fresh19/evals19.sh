#!/bin/bash
# the blind nineteenth set, run once: typed rules, spoken rules (first 30), model typed (first 12)
cd /work/run19
PY=/work/main/.venv/bin/python
export PYTHONPATH=/work/run19
set -x
date
$PY benchmarks/conversation_bench.py --only eval_fresh19.json --typed-only --llm-backend rules --out benchmarks/results/conversations_fresh19
date
$PY benchmarks/conversation_bench.py --only eval_fresh19.json --spoken-only --llm-backend rules --limit 30 --config benchmarks/conversations/shared_machine.toml --out benchmarks/results/conversations_fresh19_spoken
date
$PY benchmarks/conversation_bench.py --only eval_fresh19.json --typed-only --limit 12 --out benchmarks/results/conversations_fresh19_llm
date
