#!/usr/bin/env bash
# Tokenizer load time and resident memory: for each benchmarked tokenizer.json, the median
# load time (`instill tokenize --stats` load_ms, and whole-process wall time on a one-line
# input) and the peak RSS (`/usr/bin/time`) of instill on a one-line input and on the
# benchmark corpus with 2 threads, next to the oracle's (node + HF tokenizers) peak RSS on
# the same one-line input. Prints one markdown row per tokenizer.
# usage: bench/tokenizer_load_memory.sh [SIZE_MB=8] [RUNS=7]   (env: BUILD_DIR=build-tok)
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
SIZE_MB="${1:-8}"
RUNS="${2:-7}"
source "$ROOT/bench/tokenizer_common.sh"
[[ -x /usr/bin/time ]] || { echo "missing /usr/bin/time (apt install time)" >&2; exit 1; }
CORPUS=$(corpus_of_size "$SIZE_MB")
ONE="$WORK/one_line.jsonl"
echo '{"text": "hello"}' > "$ONE"

# Peak RSS in MB of one run of "$@" (stdout discarded).
peak_mb() {
  /usr/bin/time -f '%M' -o "$WORK/time.out" "$@" > /dev/null
  awk '{printf "%.0f", $1 / 1024}' "$WORK/time.out"
}

echo "| date | tokenizer | tokenizer.json | load (--stats) | load wall | peak RSS one line | peak RSS $SIZE_MB MB, 2 threads | oracle peak RSS one line |"
echo "|---|---|---|---|---|---|---|---|"
for name in gpt2 qwen3 llama3 llama2 gemma3; do
  tj="${TOKENIZERS[$name]}"
  [[ -f "$tj" ]] || { echo "SKIP $name: missing $tj" >&2; continue; }
  loads=(); walls=()
  for ((r = 0; r < RUNS; r++)); do
    t0=$(date +%s%N)
    stats=$("$INSTILL" tokenize --tokenizer "$tj" --input "$ONE" --stats 2>&1 >/dev/null)
    t1=$(date +%s%N)
    loads+=("$(stats_field load_ms <<< "$stats")")
    walls+=("$(( (t1 - t0) / 1000000 ))")
  done
  size_mb=$(awk -v b="$(stat -c %s "$tj")" 'BEGIN {printf "%.1f", b / 1048576}')
  rss_one=$(peak_mb "$INSTILL" tokenize --tokenizer "$tj" --input "$ONE")
  rss_corpus=$(peak_mb "$INSTILL" tokenize --tokenizer "$tj" --threads 2 --input "$CORPUS")
  rss_oracle=$(peak_mb env TOKENIZERS_PARALLELISM=false NODE_PATH="$DEPS" node \
    "$ROOT/bench/tokenizer_oracle_bench.js" "$tj" "$ONE")
  printf '| %s | %s | %s MB | %s ms | %s ms | %s MB | %s MB | %s MB |\n' "$(date -u +%F)" "$name" \
    "$size_mb" "$(printf '%s\n' "${loads[@]}" | median)" "$(printf '%s\n' "${walls[@]}" | median)" \
    "$rss_one" "$rss_corpus" "$rss_oracle"
done
