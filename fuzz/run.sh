#!/usr/bin/env bash
# Runs every fuzz target of BUILD/fuzz (default build-fuzz) for SECONDS each (ASan+UBSan are
# compiled in): first the saved reproducers of fuzz/regressions/<target>/, then libFuzzer from
# the seed corpus. Prints one summary line per target (exec/s, coverage, crashes) and exits 1
# when any reproducer or fuzzing run crashed, leaked, timed out or ran out of memory.
#   fuzz/run.sh SECONDS [TARGET...]    (run_long.sh: 600 s each)
# With FUZZ_RUNS=N (make fuzz-smoke) each target runs exactly N inputs from seed 1, starting
# from the seeds alone, at most SECONDS: the same inputs on every machine, so CI is repeatable.
set -uo pipefail
cd "$(dirname "$0")/.."
seconds=${1:?usage: fuzz/run.sh SECONDS [TARGET...]}
shift
build=${BUILD_FUZZ:-build-fuzz}
targets=("$@")
if [ "${#targets[@]}" = 0 ]; then
  for f in fuzz/*.cpp; do targets+=("$(basename "$f" .cpp)"); done
fi

fuzz/make_seed_corpus.sh "$build/corpus" >/dev/null
# Inputs libFuzzer finds interesting accumulate here between runs (the seeds stay untouched).
mkdir -p "$build/corpus-work" "$build/artifacts" "$build/logs"

# Per target: the input size bound (big enough for its seeds' interesting parts).
max_len() {
  case $1 in
    tokenizer_json) echo 16384 ;;
    pickle_index) echo 65536 ;;
    jinja_template | yaml_config) echo 8192 ;;
    *) echo 4096 ;;
  esac
}

failed=()
printf '%-18s %10s %8s %8s %8s %7s %s\n' target exec/s cov ft corpus seconds result >"$build/logs/summary.txt"
for t in "${targets[@]}"; do
  bin="$build/fuzz/$t"
  [ -x "$bin" ] || { echo "fuzz: $bin is missing (make fuzz)" >&2; exit 2; }
  common=(-timeout=10 -rss_limit_mb=2048 -malloc_limit_mb=2048)
  [ -f "fuzz/$t.dict" ] && common+=("-dict=fuzz/$t.dict")
  log="$build/logs/$t.log"

  # Reproducers of earlier findings: each must now run clean.
  if compgen -G "fuzz/regressions/$t/*" >/dev/null; then
    if ! "$bin" "${common[@]}" fuzz/regressions/"$t"/* >"$build/logs/$t.regressions.log" 2>&1; then
      echo "fuzz: $t: a reproducer of fuzz/regressions/$t/ fails again;" \
        "see $build/logs/$t.regressions.log" >&2
      failed+=("$t (regression)")
    fi
  fi

  work="$build/corpus-work/$t"
  budget=(-max_total_time="$seconds")
  if [ -n "${FUZZ_RUNS:-}" ]; then
    work="$build/corpus-smoke/$t"
    rm -rf "$work"
    budget+=(-runs="$FUZZ_RUNS" -seed=1)
  fi
  mkdir -p "$work" "$build/artifacts/$t"
  result=ok
  if ! "$bin" "${common[@]}" "${budget[@]}" -max_len="$(max_len "$t")" \
    -print_final_stats=1 -artifact_prefix="$build/artifacts/$t/" \
    "$work" "$build/corpus/$t" >"$log" 2>&1; then
    result="CRASH: $(ls -t "$build/artifacts/$t" | head -1) (log: $log)"
    failed+=("$t")
  fi
  # libFuzzer's last status line ("#N DONE cov: C ft: F corp: K/..") and final stats.
  status=$(grep -E '^#[0-9]+' "$log" | tail -1)
  cov=$(sed -n 's/.* cov: \([0-9]*\).*/\1/p' <<<"$status")
  ft=$(sed -n 's/.* ft: \([0-9]*\).*/\1/p' <<<"$status")
  corp=$(sed -n 's/.* corp: \([0-9]*\).*/\1/p' <<<"$status")
  eps=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
  printf '%-18s %10s %8s %8s %8s %7s %s\n' "$t" "${eps:--}" "${cov:--}" "${ft:--}" "${corp:--}" \
    "$seconds" "$result" >>"$build/logs/summary.txt"
done
cat "$build/logs/summary.txt"
if [ "${#failed[@]}" -gt 0 ]; then
  echo "fuzz: findings in: ${failed[*]} (inputs under $build/artifacts/)" >&2
  exit 1
fi
