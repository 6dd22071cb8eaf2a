#!/usr/bin/env bash
# One bounded, niced libFuzzer run of build/fuzz/<target> (see `make fuzz`):
#   scripts/fuzz-run.sh TARGET SECONDS [libFuzzer flags...]
# The run starts from the committed corpus (fixtures/fuzz/TARGET, read only) plus what earlier
# runs found (build/fuzz/corpus/TARGET, where new inputs go). Crashes are written to
# build/fuzz/artifacts/TARGET/. The last status line (executions, coverage) is appended to
# build/fuzz/stats/TARGET.log so that totals over several runs can be added up.
set -euo pipefail
cd "$(dirname "$0")/.."
target=${1:?usage: fuzz-run.sh TARGET SECONDS [flags...]}
seconds=${2:-60}
shift 2 || shift $#
bin=build/fuzz/$target
if [ ! -x "$bin" ]; then
  echo "fuzz-run: $bin is not built (make fuzz TARGET=$target)" >&2
  exit 2
fi
corpus=build/fuzz/corpus/$target
artifacts=build/fuzz/artifacts/$target
mkdir -p "$corpus" "$artifacts" build/fuzz/stats
flags=(-max_total_time="$seconds" -artifact_prefix="$artifacts/" -print_final_stats=1)
if [ -f "test/fuzz/$target.dict" ]; then
  flags+=(-dict="test/fuzz/$target.dict")
fi
log=build/fuzz/stats/$target.run.log
set +e
nice -n 19 "$bin" "${flags[@]}" "$@" "$corpus" "fixtures/fuzz/$target" >"$log" 2>&1
rc=$?
set -e
grep -E '^#[0-9]+' "$log" | tail -1 || true
grep -E '^stat::' "$log" || true
{
  printf '%s rc=%d ' "$(date -u +%FT%TZ)" "$rc"
  grep -E '^stat::number_of_executed_units' "$log" | tr '\n' ' '
  grep -E '^#[0-9]+' "$log" | tail -1
} >>"build/fuzz/stats/$target.log"
if [ "$rc" != 0 ]; then
  echo "fuzz-run: $target stopped with a finding (exit $rc); see $log and $artifacts/" >&2
  tail -40 "$log" >&2
fi
exit "$rc"
