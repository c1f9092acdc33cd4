#!/usr/bin/env bash
# `make bench`: every benchmark, each comparing instill with the reference in the same run.
set -euo pipefail
cd "$(dirname "$0")/.."
export BUILD_DIR=${BUILD_DIR:-$PWD/build}
./scripts/setup.sh --test
for b in raw_index_bench.sh prepare_bench.sh tokenizer_bench.sh tokenizer_scaling.sh tokenizer_load_memory.sh jinja_bench.sh tokenize_chat_bench.sh train_bench.sh packing_bench.sh generate_bench.sh; do
  echo "== bench/$b"
  "./bench/$b"
done
