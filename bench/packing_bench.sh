#!/usr/bin/env bash
# Packed SFT vs the padded reference recipe: trainable tokens/s, one run (bench/packing_bench.py).
# Usage: bench/packing_bench.sh [--quick]   (BUILD_DIR defaults to build/, BENCH_THREADS to all cores)
set -euo pipefail
cd "$(dirname "$0")/.."
exec /usr/bin/python3 bench/packing_bench.py "${BUILD_DIR:-$PWD/build}" "$@"
