#!/bin/bash
# the blind twenty-fourth set, run once: spoken rules (first 30), typed rules, model typed (first 12)
cd /work/run24
PY=/work/main/.venv/bin/python
export PYTHONPATH=/work/run24
set -x
date
$PY benchmarks/conversation_bench.py --only eval_fresh24.json --spoken-only --llm-backend rules --limit 30 --config benchmarks/conversations/shared_machine.toml --out benchmarks/results/conversations_fresh24_spoken
date
$PY benchmarks/conversation_bench.py --only eval_fresh24.json --typed-only --llm-backend rules --out benchmarks/results/conversations_fresh24
date
$PY benchmarks/conversation_bench.py --only eval_fresh24.json --typed-only --limit 12 --out benchmarks/results/conversations_fresh24_llm
date
