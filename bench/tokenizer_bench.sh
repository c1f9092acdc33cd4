#!/usr/bin/env bash
# Tokenizer benchmark: instill tokenize vs the HF tokenizers oracle (Rust via node,
# single-threaded encodeBatch with TOKENIZERS_PARALLELISM=false) on a generated multilingual
# corpus. Whole-process wall time including tokenizer load; medians of RUNS runs. Checks that
# both produce identical ids first, then appends a row per tokenizer to the "## Tokenizer"
# section of docs/benchmarks.md.
# usage: bench/tokenizer_bench.sh [SIZE_MB=8] [RUNS=5]   (env: BUILD_DIR=build-tok, NO_DOC=1)
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
SIZE_MB="${1:-8}"
RUNS="${2:-5}"
source "$ROOT/bench/tokenizer_common.sh"
[[ -d "$DEPS/@anush008/tokenizers" ]] || { echo "missing oracle in $DEPS (scripts/setup.sh --test)" >&2; exit 1; }

CORPUS="$WORK/tokenizer_corpus.jsonl"
python3 "$ROOT/bench/tokenizer_make_corpus.py" "$CORPUS" "$SIZE_MB"
EMPTY="$WORK/one_line.jsonl"
echo '{"text": "hello"}' > "$EMPTY"
CORPUS_MB=$(python3 -c "import os;print(f'{os.path.getsize(\"$CORPUS\")/1048576:.1f}')")
LINES=$(wc -l < "$CORPUS")

now() { date +%s.%N; }
# median of the wall times of RUNS runs of "$@" (stdout discarded)
median_time() {
  local times=()
  for ((r = 0; r < RUNS; r++)); do
    local t0 t1
    t0=$(now); "$@" > /dev/null; t1=$(now)
    times+=("$(echo "$t1 - $t0" | bc -l)")
  done
  printf '%s\n' "${times[@]}" | median %.3f
}
# medians of the wall times of RUNS runs each of two commands given as strings, run
# alternately so that slow spells of the shared machine hit both alike (prints "A B")
median_pair() {
  local a=() b=()
  for ((r = 0; r < RUNS; r++)); do
    local t0 t1 t2
    t0=$(now); eval "$1" > /dev/null; t1=$(now); eval "$2" > /dev/null; t2=$(now)
    a+=("$(echo "$t1 - $t0" | bc -l)"); b+=("$(echo "$t2 - $t1" | bc -l)")
  done
  echo "$(printf '%s\n' "${a[@]}" | median %.3f) $(printf '%s\n' "${b[@]}" | median %.3f)"
}
oracle() { TOKENIZERS_PARALLELISM=false NODE_PATH="$DEPS" node "$ROOT/bench/tokenizer_oracle_bench.js" "$@"; }

ROWS=()
for name in gpt2 qwen3 llama3 llama2 gemma3; do
  tj="${TOKENIZERS[$name]}"
  [[ -f "$tj" ]] || { echo "SKIP $name: missing $tj" >&2; continue; }
  # Same ids first (a benchmark of different outputs would be meaningless).
  oracle "$tj" "$CORPUS" '[]' --dump > "$WORK/oracle_$name.jsonl"
  "$INSTILL" tokenize --tokenizer "$tj" --input "$CORPUS" | sed 's/ //g' > "$WORK/instill_$name.jsonl"
  sed -i 's/ //g' "$WORK/oracle_$name.jsonl"
  if cmp -s "$WORK/oracle_$name.jsonl" "$WORK/instill_$name.jsonl"; then same="yes"; else
    same="NO ($(diff "$WORK/oracle_$name.jsonl" "$WORK/instill_$name.jsonl" | grep -c '^<') lines differ)"; fi
  t_oracle=$(median_time oracle "$tj" "$CORPUS")
  read -r t_one t_two < <(median_pair \
    "'$INSTILL' tokenize --tokenizer '$tj' --threads 1 --input '$CORPUS'" \
    "'$INSTILL' tokenize --tokenizer '$tj' --threads 2 --input '$CORPUS'")
  l_oracle=$(median_time oracle "$tj" "$EMPTY")
  l_instill=$(median_time "$INSTILL" tokenize --tokenizer "$tj" --input "$EMPTY")
  r1=$(echo "$t_oracle / $t_one" | bc -l); r2=$(echo "$t_oracle / $t_two" | bc -l)
  row=$(printf '| %s | %s | %s MB / %s lines | %ss | %ss (%.2fx) | %ss (%.2fx) | %ss / %ss | %s |' \
    "$(date -u +%F)" "$name" "$CORPUS_MB" "$LINES" "$t_oracle" "$t_one" "$r1" "$t_two" "$r2" \
    "$l_oracle" "$l_instill" "$same")
  echo "$row"
  ROWS+=("$row")
done

[[ "${NO_DOC:-0}" == 1 ]] && exit 0
DOC="$ROOT/docs/benchmarks.md"
python3 - "$DOC" "${ROWS[@]}" <<'PY'
import sys
doc, rows = sys.argv[1], sys.argv[2:]
header = """## Tokenizer

Reproduce: `cmake -S . -B build-tok -DCMAKE_BUILD_TYPE=Release -DCMAKE_DISABLE_FIND_PACKAGE_Torch=ON
&& cmake --build build-tok -j2 --target instill && bench/tokenizer_bench.sh [SIZE_MB=8] [RUNS=5]`
(`BUILD_DIR=...` for another build, `NO_DOC=1` to only print the rows).

Input: generated multilingual JSONL (`bench/tokenizer_make_corpus.py`: English prose from
/usr/share/doc, C/C++ headers, synthetic sentences in 14 languages/scripts with numbers,
punctuation and emoji, plus the conformance corpus). Oracle: HF `tokenizers` 0.22 (Rust, node
binding `@anush008/tokenizers`), one `encodeBatch` over all lines with
`TOKENIZERS_PARALLELISM=false`; it only counts tokens, while instill also parses the JSONL
and writes `{"ids": [...]}` lines. Times are whole-process wall clock including tokenizer
load, medians of RUNS runs; speed-ups are against the oracle time of the same row (taken back
to back, so both see the same machine load). "load" is the same on a one-line input. "same
ids" compares every id of every line.
Absolute times are noisy on the shared 2-core machine: the first three blocks ran at load
average 4-5; the last block (flat token tables, word cache, fast NFC, cut Llama-2/Gemma-3
lines, persistent thread pool) ran while other jobs (a training run, then a compile) kept
1-1.5 of the 2 cores busy (load average 2.3-3.8), which also caps the 2-thread gain. Until
the last block of rows, 2-thread runs were also held back by `instill tokenize` itself:
it read and JSON-parsed the lines on one thread before the parallel encode and formatted the
output after it (in a `parallel_for` that gave 16 of 17 blocks to one thread), and word-cache
lookups took a lock. Now parsing, encoding and formatting all run on the worker threads, and
the thread scaling is measured on its own (`bench/tokenizer_scaling.sh`, next section).
A `build-tok` configured without `-DCMAKE_DISABLE_FIND_PACKAGE_Torch=ON` links
libtorch into `instill` when it is installed, which adds about 0.45 s of dynamic loading to
every run and swamps these numbers.

What makes instill fast here (src/tokenizer): vocabularies live in one string arena with an
open-addressing table of 16-byte slots (`token_table.hpp`), merges in a flat (id, id) table;
both are filled by a prefetching software pipeline straight from the simdjson DOM of the
mmap'ed file (huge pages for the big buffers). Words are hashed once; a word that is a vocab
entry whose BPE is itself (learned on first sight) is emitted directly, other words go
through a flat word cache read without locks; vocab and cache slots of the next words are prefetched.
NFC runs utf8proc only around characters that can interact with their neighbours.
Llama-2/Gemma-3 have no pre-tokenizer (each line is one BPE word): instill cuts such words
between characters x and y whenever both are vocab characters and no vocab token contains
"xy" (no merge can cross such a cut, so ids stay identical), which makes the pieces cacheable.

| date | tokenizer | corpus | oracle 1 thread | instill 1 thread (speed-up) | instill 2 threads (speed-up) | load oracle / instill | same ids |
|---|---|---|---|---|---|---|---|
"""
try:
    text = open(doc, encoding="utf-8").read()
except FileNotFoundError:
    text = "# Benchmarks\n"
start = text.find("## Tokenizer\n")
if start < 0:
    section = header + "\n".join(rows) + "\n"
    text = text.rstrip("\n") + "\n\n" + section
else:
    end = text.find("\n## ", start + 1)
    end = len(text) if end < 0 else end + 1
    old = text[start:end]
    old_rows = [l for l in old.splitlines() if l.startswith("| 20")]
    section = header + "\n".join(old_rows + rows) + "\n"
    text = text[:start] + section + ("\n" + text[end:] if end < len(text) else "")
open(doc, "w", encoding="utf-8").write(text)
PY
echo "appended to $DOC"
