#!/usr/bin/env bash
# tokenize_chat vs Python Jinja2 + HF tokenizers, conversations/s and MB/s (bench/tokenize_chat_bench.py).
# Usage: bench/tokenize_chat_bench.sh [--quick]   (BUILD_DIR defaults to build/)
set -euo pipefail
cd "$(dirname "$0")/.."
exec /usr/bin/python3 bench/tokenize_chat_bench.py "${BUILD_DIR:-$PWD/build}" "$@"
