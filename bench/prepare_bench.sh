#!/usr/bin/env bash
# Data-preparation throughput: instill pack_encoded_data (jq .text, GPT-2) and
# prepare_instruction_tuning_data (chat corpus) with 1 and 2 threads, against the HF tokenizers
# oracle's own single-thread tokenization throughput on the same texts; peak memory at two
# input sizes. Usage: bench/prepare_bench.sh [SIZE_MB=220] [CHAT_MB=60] [ORACLE_MB=20]
set -euo pipefail
cd "$(dirname "$0")/.."
size_mb=${1:-220}
chat_mb=${2:-60}
oracle_mb=${3:-20}
out=$PWD/out/bench/prepare
mkdir -p "$out"
fx=${INSTILL_REFERENCE_FIXTURES:-../shared/fixtures/modalities}
tok=$fx/data/tokenizer/hf_gpt2
bin=$PWD/build/instill
repeat_to() {  # repeat_to SRC DST MB
  [ -f "$2" ] && return
  /usr/bin/python3 - "$1" "$2" "$3" <<'PY'
import sys, os
src, dst, mb = sys.argv[1], sys.argv[2], int(sys.argv[3])
chunk = open(src, "rb").read().rstrip(b"\n") + b"\n"
with open(dst + ".tmp", "wb") as f:
    n = 0
    while n < mb * 1_000_000:
        f.write(chunk); n += len(chunk)
os.rename(dst + ".tmp", dst)
PY
}
measure() {  # measure LABEL CMD... -> "LABEL seconds peak_kb"
  local label=$1; shift
  /usr/bin/time -f "%e %M" -o "$out/time.txt" "$@" >/dev/null 2>"$out/err.txt" || { cat "$out/err.txt"; exit 1; }
  echo "$label $(cat "$out/time.txt")"
}
pack_config() {  # pack_config JSONL THREADS
  cat > "$out/pack_$2.yaml" <<YAML
settings:
  src_path: $1
  dst_path: $out/packed.pbin
  index_path: ${1%.jsonl}.idx
  jq_pattern: .text
  num_cpus: $2
  eod_token: <|endoftext|>
  processing_batch_size: 10
  raw_samples_queue_size: 20
  processed_samples_queue_size: 20
tokenizer:
  component_key: tokenizer
  variant_key: pretrained_hf_tokenizer
  config:
    pretrained_model_name_or_path: $tok
    padding: false
    truncation: false
YAML
  echo "$out/pack_$2.yaml"
}

big=$out/lorem_${size_mb}mb.jsonl
small=$out/lorem_$((size_mb / 4))mb.jsonl
repeat_to "$fx/data/lorem_ipsum_long.jsonl" "$big" "$size_mb"
repeat_to "$fx/data/lorem_ipsum_long.jsonl" "$small" $((size_mb / 4))
for f in "$big" "$small"; do "$bin" data create_raw_index --file_existence_policy override "$f" 2>/dev/null; done
echo "# pack_encoded_data, GPT-2, $(($(stat -c %s "$big") / 1000000)) MB of JSONL (lorem_ipsum_long repeated)"
for t in 1 2; do measure "pack_threads_$t" "$bin" data pack_encoded_data --file_existence_policy override "$(pack_config "$big" "$t")"; done
measure "pack_threads_2_quarter_input" "$bin" data pack_encoded_data --file_existence_policy override "$(pack_config "$small" 2)"

chat=$out/chat_${chat_mb}mb.jsonl
repeat_to examples/instruction_tuning/data/demo_conversations.jsonl "$chat" "$chat_mb"
sed -e "s#src_path: .*#src_path: $chat#" -e "s#out_dir: .*#out_dir: $out/prepared#" \
  -e "s#\${modalities_env:config_folder_path}#$PWD/examples/instruction_tuning/configs#" \
  examples/instruction_tuning/configs/apply_chat_template_config.yaml > "$out/prep.yaml"
echo "# prepare_instruction_tuning_data, demo chats repeated to $(($(stat -c %s "$chat") / 1000000)) MB"
for t in 1 2; do measure "prepare_threads_$t" "$bin" data prepare_instruction_tuning_data --num_cpus "$t" --config_file_path "$out/prep.yaml"; done

# Oracle: HF tokenizers (Rust) single thread on the first ORACLE_MB of the same texts.
head -c $((oracle_mb * 1000000)) "$big" | sed '$d' > "$out/oracle.jsonl"
text_bytes=$(/usr/bin/python3 -c "import json,sys; print(sum(len(json.loads(l)['text'].encode()) for l in open(sys.argv[1], encoding='utf-8')))" "$out/oracle.jsonl")
echo "# oracle: @anush008/tokenizers encodeBatch, TOKENIZERS_PARALLELISM=false, $((text_bytes / 1000000)) MB of text"
TOKENIZERS_PARALLELISM=false NODE_PATH=$PWD/.deps/node_modules measure oracle_tokenize node bench/tokenizer_oracle_bench.js "$tok/tokenizer.json" "$out/oracle.jsonl"
echo "# text bytes per JSONL byte in the lorem corpus: $(/usr/bin/python3 -c "print(round($text_bytes / $(stat -c %s "$out/oracle.jsonl"), 4))")"
