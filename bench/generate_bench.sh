#!/usr/bin/env bash
# Generation speed: instill's KV-cached generator vs itself without the cache, and vs a
# PyTorch eager loop with a KV cache (bench/generate_reference.py, python3-torch), on the same
# random Qwen2-like model (hidden 512, 8 layers, GQA 8/2, GPT-2's 50257-token vocabulary,
# float32), same machine, same threads, greedy, batch 1. Reports decode tokens/s for
# NEW new tokens after a short prompt, and time to first token for a LONG-token prompt
# (medians of RUNS runs; the no-cache run is slow and runs once).
# Usage: bench/generate_bench.sh   (env: BUILD_DIR, THREADS, NEW, LONG, RUNS)
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${BUILD_DIR:-build}/instill
threads=${THREADS:-$(nproc)}
new=${NEW:-256}
long=${LONG:-1024}
runs=${RUNS:-3}
tok=${INSTILL_REFERENCE_FIXTURES:-../shared/fixtures/modalities}/data/tokenizer/hf_gpt2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
py=/usr/bin/python3

$py tests/train/hf_reference.py make --arch qwen2 --size bench --vocab_size 50257 --seed 1 --out "$work/model"
cp "$tok"/* "$work/model/"

# " the" is one GPT-2 token, so these prompts have exactly 32 and $long tokens.
short="the$(printf ' the%.0s' $(seq 31))"
longp="the$(printf ' the%.0s' $(seq $((long - 1))))"

median() { sort -g | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }
# instill chat --stats prints "[P prompt tokens, N new tokens, first token after X ms, Y tokens/s]".
stat() { sed -n 's/.*first token after \([0-9.e+-]*\) ms, \([0-9.e+-]*\) tokens\/s.*/\1 \2/p'; }
run_instill() {  # prompt new extra-flags...
  local p=$1 n=$2
  shift 2
  "$bin" chat --model "$work/model" --raw --prompt "$p" --max_new_tokens "$n" --temperature 0 \
    --threads "$threads" --stats "$@" 2>&1 >/dev/null | stat
}

run_instill "$short" 8 > /dev/null  # warm-up
dec_cache=$(for i in $(seq "$runs"); do run_instill "$short" "$new" | cut -d' ' -f2; done | median)
ttft=$(for i in $(seq "$runs"); do run_instill "$longp" 2 | cut -d' ' -f1; done | median)
dec_nocache=$(run_instill "$short" "$new" --no_cache | cut -d' ' -f2)
ref=$($py bench/generate_reference.py --model "$work/model" --prompt_len 32 --new "$new" \
  --threads "$threads" --runs "$runs")
ref_long=$($py bench/generate_reference.py --model "$work/model" --prompt_len "$long" --new 2 \
  --threads "$threads" --runs "$runs")
ref_dec=$(echo "$ref" | $py -c 'import json,sys; print(json.load(sys.stdin)["decode_tokens_per_s"])')
ref_ttft=$(echo "$ref_long" | $py -c 'import json,sys; print(json.load(sys.stdin)["ttft_ms"])')

echo "generation, $(nproc) cores, $threads threads, 32-token prompt, $new new tokens, greedy:"
printf '| %-40s | %12s |\n' "" "tokens/s"
printf '| %-40s | %12.1f |\n' "instill, KV cache" "$dec_cache"
printf '| %-40s | %12.1f |\n' "instill, no cache (full recompute)" "$dec_nocache"
printf '| %-40s | %12.1f |\n' "PyTorch eager, KV cache" "$ref_dec"
awk -v a="$dec_cache" -v b="$dec_nocache" -v c="$ref_dec" \
  'BEGIN { printf "cache speed-up %.1fx; instill / PyTorch %.2fx\n", a / b, a / c }'
echo "time to first token, $long-token prompt: instill $ttft ms, PyTorch eager $ref_ttft ms"
