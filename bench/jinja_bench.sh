#!/usr/bin/env bash
# Jinja benchmark: builds bench/jinja_bench.cpp against an existing build's libraries and
# runs it (instill's engine vs Python Jinja2, same run, medians). See jinja_bench.cpp.
# usage: bench/jinja_bench.sh [RUNS=5] [ROUNDS=200]   (env: BUILD_DIR=build-jinja)
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
BUILD_DIR="${BUILD_DIR:-$ROOT/build-jinja}"
FIXTURES="${INSTILL_REFERENCE_FIXTURES:-$ROOT/../shared/fixtures/modalities}"  # the reference's files
for lib in src/jinja/libinstill_jinja.a src/text/libinstill_text.a src/core/libinstill_core.a; do
  [[ -f "$BUILD_DIR/$lib" ]] || { echo "missing $BUILD_DIR/$lib (build the instill_jinja target)" >&2; exit 1; }
done
BIN="$BUILD_DIR/jinja_bench"
g++ -std=c++20 -O2 -I"$ROOT/src" "$ROOT/bench/jinja_bench.cpp" -o "$BIN" \
  "$BUILD_DIR/src/jinja/libinstill_jinja.a" "$BUILD_DIR/src/text/libinstill_text.a" \
  "$BUILD_DIR/src/core/libinstill_core.a" -lutf8proc -lyaml-cpp -lpthread
"$BIN" "$ROOT" "$FIXTURES" "${1:-5}" "${2:-200}"
