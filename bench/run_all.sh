#!/usr/bin/env bash
# Every evaluation and benchmark behind the README's Results, one after the other (about 45 minutes on 2 cores).
set -euo pipefail
cd "$(dirname "$0")/.."
R=bench/results
S=../shared/data
mkdir -p $R/reports
.venv/bin/rag eval retrieval --pubmedqa $S/pubmedqa/dev.json --mode all --json --report $R/reports/pubmedqa_retrieval.md > $R/eval_pubmedqa_retrieval.json
.venv/bin/rag eval similarity --pubmedqa $S/pubmedqa/dev.json --json --report $R/reports/similarity.md > $R/eval_similarity.json
.venv/bin/rag eval answers --pubmedqa $S/pubmedqa/dev.json --json --report $R/reports/answers.md > $R/eval_answers.json
.venv/bin/python bench/support.py > /dev/null
.venv/bin/rag eval retrieval --corpus $S/scifact/corpus.jsonl --queries $S/scifact/queries.jsonl --qrels $S/scifact/qrels/test.tsv --mode all --json --report $R/reports/scifact_test.md > $R/eval_scifact_test.json
.venv/bin/python bench/indexing.py --scifact 1000 > /dev/null
.venv/bin/python bench/latency.py > /dev/null
.venv/bin/python bench/llm.py > /dev/null
.venv/bin/python bench/pdfs.py > /dev/null
.venv/bin/python bench/pdf_metadata.py > /dev/null
.venv/bin/python bench/similarity_gate.py > /dev/null
.venv/bin/python bench/llm_options.py > /dev/null
.venv/bin/python bench/embed_precision.py > /dev/null
.venv/bin/python bench/packed.py > /dev/null
.venv/bin/python bench/embed_breakdown.py > /dev/null
.venv/bin/python bench/ingest_e2e.py > /dev/null
.venv/bin/python bench/load.py > /dev/null
