#!/usr/bin/env bash
# Training throughput and memory: instill vs a PyTorch eager loop (python3-torch), one run.
# Usage: bench/train_bench.sh [--quick]   (BUILD_DIR defaults to build/)
set -euo pipefail
cd "$(dirname "$0")/.."
exec /usr/bin/python3 bench/train_bench.py "${BUILD_DIR:-$PWD/build}" "$@"
