#!/usr/bin/env bash
# Runs each libFuzzer binary of a KAMGOV_FUZZ build for a bounded time,
# starting from the checked-in corpus (read only: new inputs go to
# BUILD_DIR/fuzz-work/NAME). Used by `make fuzz`; docs/security.md.
#
#   tests/fuzz/run_fuzzers.sh BUILD_DIR [SECONDS_EACH] [NAME ...]
#
# A crash leaves its input in BUILD_DIR/fuzz-artifacts/NAME/ and makes the
# script exit 1 after the other fuzzers ran. To keep it as a regression
# test: fix the bug, then copy the input to
# tests/fuzz/corpus/NAME/regression-<what-it-broke>; `make test` replays it.
set -uo pipefail

[[ $# -ge 1 ]] || { sed -n '2,12p' "$0"; exit 2; }
build="$1"
seconds="${2:-60}"
shift $(( $# >= 2 ? 2 : 1 ))
names=("$@")
[[ ${#names[@]} -gt 0 ]] || names=(record_chain validate_append decide)
corpus="$(cd "$(dirname "$0")" && pwd)/corpus"

status=0
for name in "${names[@]}"; do
  binary="$build/tests/fuzz/fuzz_$name"
  if [[ ! -x "$binary" ]]; then
    echo "run_fuzzers: $binary is missing (configure with -DKAMGOV_FUZZ=ON)" >&2
    exit 2
  fi
  work="$build/fuzz-work/$name"
  artifacts="$build/fuzz-artifacts/$name"
  mkdir -p "$work" "$artifacts"
  echo "== fuzz_$name for ${seconds}s"
  if ! "$binary" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
      -print_final_stats=1 -artifact_prefix="$artifacts/" \
      "$work" "$corpus/$name"; then
    echo "== fuzz_$name FOUND A CRASH: $(ls -t "$artifacts" | head -1)" >&2
    status=1
  fi
done
exit "$status"
