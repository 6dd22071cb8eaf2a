#!/usr/bin/env bash
# Folds what fuzzing found into the committed corpus, keeping it small: libFuzzer's -merge=1 adds
# to fixtures/fuzz/TARGET only the inputs of build/fuzz/corpus/TARGET that reach coverage the
# committed files do not. Regression inputs (fixtures/fuzz/TARGET/regressions/) are kept as they
# are.   scripts/fuzz-merge.sh TARGET
set -euo pipefail
cd "$(dirname "$0")/.."
target=${1:?usage: fuzz-merge.sh TARGET}
bin=build/fuzz/$target
mkdir -p "fixtures/fuzz/$target"
nice -n 19 "$bin" -merge=1 "fixtures/fuzz/$target" "build/fuzz/corpus/$target" 2>&1 | grep -E 'MERGE-OUTER' || true
echo "fixtures/fuzz/$target: $(find "fixtures/fuzz/$target" -type f | wc -l) files," \
  "$(du -sh "fixtures/fuzz/$target" | cut -f1)"
