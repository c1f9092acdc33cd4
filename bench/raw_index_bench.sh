#!/usr/bin/env bash
# create_raw_index throughput: instill (single thread, full JSON + UTF-8 validation) vs the
# reference algorithm in CPython, on the same generated JSONL, medians of N runs.
# Usage: bench/raw_index_bench.sh [SIZE_MB=1100] [RUNS=3]
set -euo pipefail
cd "$(dirname "$0")/.."
size_mb=${1:-1100}
runs=${2:-3}
out=out/bench
mkdir -p "$out"
data="$out/raw_index_${size_mb}mb.jsonl"
fixtures=${INSTILL_REFERENCE_FIXTURES:-../shared/fixtures/modalities}
if [ ! -f "$data" ]; then
  echo "generating $data (~${size_mb} MB): lorem_ipsum_long, the instruction-tuning conversations and Danish text, repeated"
  /usr/bin/python3 - "$data" "$size_mb" "$fixtures" <<'PY'
import sys, os
dst, size_mb, fx = sys.argv[1], int(sys.argv[2]), sys.argv[3]
srcs = [fx + "/data/lorem_ipsum_long.jsonl", fx + "/tests/instruction_tuning/files/lorem_ipsum_instruct.jsonl",
        fx + "/tests/data/datasets/danish_test_dataset.jsonl"]
chunk = b"".join(open(s, "rb").read().rstrip(b"\n") + b"\n" for s in srcs if os.path.exists(s))
with open(dst + ".tmp", "wb") as f:
    written = 0
    while written < size_mb * 1_000_000:
        f.write(chunk)
        written += len(chunk)
os.rename(dst + ".tmp", dst)
PY
fi
bytes=$(stat -c %s "$data")
time_it() {  # prints seconds
  local start end
  start=$(date +%s%N)
  "$@" >/dev/null 2>&1
  end=$(date +%s%N)
  awk -v a="$start" -v b="$end" 'BEGIN { printf "%.3f\n", (b - a) / 1e9 }'
}
median() { sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
cat "$data" > /dev/null  # warm the page cache
inst=$(for i in $(seq "$runs"); do time_it ./build/instill data create_raw_index --file_existence_policy override --index_path "$out/instill.idx" "$data"; done | median)
ref=$(for i in $(seq "$runs"); do time_it /usr/bin/python3 bench/raw_index_reference.py "$data" "$out/ref.idx"; done | median)
cmp "$out/instill.idx" "$out/ref.idx" && echo "outputs identical"
awk -v b="$bytes" -v i="$inst" -v r="$ref" -v n="$runs" 'BEGIN {
  printf "file: %.0f MB, median of %d runs\n", b/1e6, n;
  printf "instill  : %.3f s  %.0f MB/s\n", i, b/1e6/i;
  printf "reference: %.3f s  %.0f MB/s (CPython json.loads + pickle)\n", r, b/1e6/r;
  printf "speed-up : %.1fx\n", r/i }'
