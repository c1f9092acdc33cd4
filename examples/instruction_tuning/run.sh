#!/usr/bin/env bash
# The instruction-tuning tutorial, end to end on the bundled demo conversations:
#   1. prepare the data (chat template with loss markers, split, JSONL, .idx, .pbin)
#   2. train a tiny GPT-2-style model on CPU with loss on the assistant replies only
#      (evaluation and checkpoints included; metrics in <experiment>/metrics.jsonl)
#   3. resume from the last checkpoint to show that training continues exactly
# Usage: examples/instruction_tuning/run.sh [OUT_DIR]   (default out/tutorial)
# PACKING=bfd trains on packed rows (configs/train_config_packed.yaml: conversations packed
# with best-fit-decreasing, attention and positions per conversation) instead of the
# reference's padded recipe (PACKING=none, the default).
# Environment: INSTILL_BIN (default build/instill), INSTILL_DEMO_TOKENIZER (a HF tokenizer
# folder; default GPT-2's vocab.json + merges.txt that scripts/setup.sh lays out in .deps), INSTILL_THREADS (CPU threads), NPROC (data-parallel
# training processes through `instill launch`, default 1; MASTER_PORT, default 29500).
set -euo pipefail
cd "$(dirname "$0")/../.."
out=${1:-out/tutorial}
bin=${INSTILL_BIN:-./build/instill}
tokenizer=${INSTILL_DEMO_TOKENIZER:-.deps/tokenizers/gpt2}
export INSTILL_DEMO_TOKENIZER=$tokenizer
configs=examples/instruction_tuning/configs
if [ ! -f "$tokenizer/tokenizer.json" ] && [ ! -f "$tokenizer/vocab.json" ]; then
  echo "run.sh: no tokenizer at $tokenizer (run scripts/setup.sh, or set INSTILL_DEMO_TOKENIZER to a Hugging Face tokenizer folder)" >&2
  exit 1
fi
mkdir -p "$out"

echo "== 1. prepare the instruction-tuning data"
sed "s#out_dir: out/demo/prepared_data#out_dir: $out/prepared_data#" "$configs/apply_chat_template_config.yaml" \
  | sed "s#\${modalities_env:config_folder_path}/packed_chat_dataset_config.yaml#$out/packed_chat_dataset_config.yaml#" \
  > "$out/apply_chat_template_config.yaml"
cp "$configs/packed_chat_dataset_config.yaml" "$out/"
"$bin" data prepare_instruction_tuning_data --quiet --config_file_path "$out/apply_chat_template_config.yaml" > "$out/prepare_report.json"
export INSTILL_TRAIN_PBIN=$(ls "$out"/prepared_data/*/*_train.*.pbin)
export INSTILL_EVAL_PBIN=$(ls "$out"/prepared_data/*/*_test.*.pbin)
echo "train: $INSTILL_TRAIN_PBIN"
echo "eval:  $INSTILL_EVAL_PBIN"

echo "== 2. train (CPU)"
threads=()
[ -n "${INSTILL_THREADS:-}" ] && threads=(--threads "$INSTILL_THREADS")
# NPROC > 1: that many processes on this machine, gradients averaged over Gloo. Each takes
# 1/NPROC of the micro-batch, so the global batch, the step count and the intervals stay those
# of one process.
launch=()
case "${PACKING:-none}" in
  none) train_config="$configs/train_config.yaml" ;;
  bfd) train_config="$configs/train_config_packed.yaml" ;;
  *) echo "run.sh: PACKING must be none or bfd, got ${PACKING}" >&2; exit 1 ;;
esac
echo "recipe: PACKING=${PACKING:-none} ($train_config)"
if [ "${NPROC:-1}" -gt 1 ]; then
  mbs=$(sed -n 's/^ *local_train_micro_batch_size: *\([0-9]*\).*/\1/p' "$train_config")
  if [ $((mbs % NPROC)) -ne 0 ]; then
    echo "run.sh: NPROC=$NPROC must divide the micro-batch size $mbs of $train_config" >&2
    exit 1
  fi
  sed "s/^\( *local_train_micro_batch_size:\) *[0-9]*/\1 $((mbs / NPROC))/" "$train_config" > "$out/train_config_nproc$NPROC.yaml"
  train_config="$out/train_config_nproc$NPROC.yaml"
  launch=(launch --nproc_per_node "$NPROC" --master_port "${MASTER_PORT:-29500}" --)
  echo "data parallel: $NPROC processes, micro-batch $((mbs / NPROC)) each"
fi
rm -rf "$out/experiments/tutorial"
"$bin" "${launch[@]}" run --config_file_path "$train_config" --experiments_root_path "$out/experiments" \
  --experiment_id tutorial --device cpu "${threads[@]}"
exp="$out/experiments/tutorial"
echo "metrics: $exp/metrics.jsonl ($(wc -l < "$exp/metrics.jsonl") events)"
# Median over the logged train rows (the first one includes warm-up).
grep '"tag": "train"' "$exp/metrics.jsonl" \
  | sed 's/.*"train trainable tokens\/s": \([0-9.e+-]*\).*"train padding share": \([0-9.e+-]*\).*/\1 \2/' \
  | sort -g | awk '{ v[NR] = $1; p[NR] = $2 } END { m = int((NR + 1) / 2); printf "trainable tokens/s (median of %d logged intervals): %.0f, padding share %.3f\n", NR, v[m], p[m] }' \
  | tee "$out/throughput.txt"

# The training loss must clearly fall: last logged train loss < 0.8 x the first.
first=$(grep -m 1 '"tag": "train"' "$exp/metrics.jsonl" | sed 's/.*"train loss avg": \([0-9.e+-]*\).*/\1/')
last=$(grep '"tag": "train"' "$exp/metrics.jsonl" | tail -n 1 | sed 's/.*"train loss avg": \([0-9.e+-]*\).*/\1/')
echo "train loss: first logged $first, last logged $last"
awk -v f="$first" -v l="$last" 'BEGIN { if (!(l < 0.8 * f)) { print "run.sh: the training loss did not fall enough" > "/dev/stderr"; exit 1 } }'

echo "== 3. resume from the first checkpoint and check that it continues exactly (same NPROC)"
ckpt=$(ls -d "$exp"/checkpoints/eid_* | sed 's/.*seen_steps_\([0-9]*\)-.*/\1 &/' | sort -n | sed -n 1p | cut -d' ' -f2)
rm -rf "$out/experiments/tutorial_resumed"
"$bin" "${launch[@]}" run --config_file_path "$train_config" --experiments_root_path "$out/experiments" \
  --experiment_id tutorial_resumed --device cpu --resume_from "$ckpt" "${threads[@]}" > "$out/resume.log"
a=$(grep '"tag": "train"' "$exp/metrics.jsonl" | tail -n 1 | sed 's/.*"train loss last": \([0-9.e+-]*\).*/\1/')
b=$(grep '"tag": "train"' "$out/experiments/tutorial_resumed/metrics.jsonl" | tail -n 1 | sed 's/.*"train loss last": \([0-9.e+-]*\).*/\1/')
echo "last train loss: uninterrupted $a, resumed from $(basename "$ckpt") $b"
[ "$a" = "$b" ] || { echo "run.sh: the resumed run differs from the uninterrupted one" >&2; exit 1; }

echo "== 4. chat with the tuned model, in the format it was tuned on (greedy, KV cache)"
last_ckpt=$(ls -d "$exp"/checkpoints/eid_* | sed 's/.*seen_steps_\([0-9]*\)-.*/\1 &/' | sort -n | tail -n 1 | cut -d' ' -f2)
"$bin" chat --model "$last_ckpt" --template "$out/apply_chat_template_config.yaml" \
  --prompt "What is the capital of Chile?" --max_new_tokens 32 --temperature 0 --stats

echo "== 5. export to Hugging Face format and continue a raw prompt with the exported model"
"$bin" convert_to_hf --checkpoint "$last_ckpt" --output "$out/hf_model" --overwrite \
  --tokenizer "$tokenizer"
"$bin" chat --model "$out/hf_model" --prompt "User: Hello" --raw --max_new_tokens 12 --temperature 0
echo "tutorial outputs in $out"
