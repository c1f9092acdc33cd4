#!/usr/bin/env bash
# The documented long run (docs/fuzzing.md): every target for SECONDS (default 600) under
# ASan+UBSan, the corpus kept in build-fuzz/corpus-work between runs, a summary table at the end.
#   fuzz/run_long.sh [SECONDS] [TARGET...]
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-600}
[ $# -gt 0 ] && shift
exec fuzz/run.sh "$seconds" "$@"
