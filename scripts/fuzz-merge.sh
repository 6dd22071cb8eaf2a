#!/usr/bin/env bash
# Folds what fuzzing found into the committed corpus, keeping it small: libFuzzer's
# -set_cover_merge=1 picks, from the committed files and build/fuzz/corpus/TARGET, a small set of
# inputs that together reach every feature any of them reaches, and that set becomes
# fixtures/fuzz/TARGET/corpus/. Seeds and regression inputs (fixtures/fuzz/TARGET/regressions/)
# outside corpus/ are kept as they are.   scripts/fuzz-merge.sh TARGET
set -euo pipefail
cd "$(dirname "$0")/.."
target=${1:?usage: fuzz-merge.sh TARGET}
bin=build/fuzz/$target
if [ ! -x "$bin" ]; then
  echo "fuzz-merge: $bin is not built (make fuzz TARGET=$target)" >&2
  exit 2
fi
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
mkdir -p "fixtures/fuzz/$target" "build/fuzz/corpus/$target"
nice -n 19 "$bin" -set_cover_merge=1 "$out" "fixtures/fuzz/$target" "build/fuzz/corpus/$target" \
  2>&1 | grep -E 'MERGE-OUTER: .* new files' || true
rm -rf "fixtures/fuzz/$target/corpus"
mkdir -p "fixtures/fuzz/$target/corpus"
find "$out" -type f -exec cp {} "fixtures/fuzz/$target/corpus/" \;
echo "fixtures/fuzz/$target: $(find "fixtures/fuzz/$target" -type f | wc -l) files," \
  "$(du -sh "fixtures/fuzz/$target" | cut -f1)"
