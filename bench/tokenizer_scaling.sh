#!/usr/bin/env bash
# Thread scaling of `instill tokenize`: runs 1 thread and N threads alternately RUNS times on the
# tokenizer benchmark corpus and prints one markdown row per tokenizer with the medians of
# the work time (`--stats`: reading, parsing, encoding and writing, after the tokenizer is
# loaded) and of the whole-process wall time, and their ratios. Alternating the runs makes a
# slow spell of a shared machine hit both alike.
# usage: bench/tokenizer_scaling.sh [SIZE_MB=8] [RUNS=11] [THREADS=2]   (env: BUILD_DIR=build-tok)
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
SIZE_MB="${1:-8}"
RUNS="${2:-11}"
THREADS="${3:-2}"
source "$ROOT/bench/tokenizer_common.sh"
CORPUS=$(corpus_of_size "$SIZE_MB")

# One run: prints "work_ms wall_ms load_ms".
run_once() {
  local t0 t1 stats
  t0=$(date +%s%N)
  stats=$("$INSTILL" tokenize --tokenizer "$1" --threads "$2" --input "$CORPUS" --stats 2>&1 >/dev/null)
  t1=$(date +%s%N)
  echo "$(stats_field work_ms <<< "$stats") $(( (t1 - t0) / 1000000 )) $(stats_field load_ms <<< "$stats")"
}
echo "| date | tokenizer | corpus | load | work 1 / $THREADS threads | work scaling | wall 1 / $THREADS threads | wall scaling |"
echo "|---|---|---|---|---|---|---|---|"
for name in gpt2 qwen3 llama3 llama2 gemma3; do
  tj="${TOKENIZERS[$name]}"
  [[ -f "$tj" ]] || { echo "SKIP $name: missing $tj" >&2; continue; }
  w1=(); w2=(); a1=(); a2=(); loads=()
  for ((r = 0; r < RUNS; r++)); do
    read -r w a l < <(run_once "$tj" 1); w1+=("$w"); a1+=("$a"); loads+=("$l")
    read -r w a l < <(run_once "$tj" "$THREADS"); w2+=("$w"); a2+=("$a")
  done
  mw1=$(printf '%s\n' "${w1[@]}" | median); mw2=$(printf '%s\n' "${w2[@]}" | median)
  ma1=$(printf '%s\n' "${a1[@]}" | median); ma2=$(printf '%s\n' "${a2[@]}" | median)
  ml=$(printf '%s\n' "${loads[@]}" | median)
  printf '| %s | %s | %s MB | %s ms | %s / %s ms | %.2fx | %s / %s ms | %.2fx |\n' \
    "$(date -u +%F)" "$name" "$SIZE_MB" "$ml" "$mw1" "$mw2" "$(echo "$mw1 / $mw2" | bc -l)" \
    "$ma1" "$ma2" "$(echo "$ma1 / $ma2" | bc -l)"
done
