#!/usr/bin/env bash
# promtool check rules + test rules for manifests/monitoring/prometheusrule.yaml: the
# PrometheusRule's spec is a Prometheus rules file.
#   run-promtool.sh PROMTOOL SOURCE_DIR WORK_DIR
set -euo pipefail
promtool=$1 src=$2 work=$3
rm -rf "$work" && mkdir -p "$work"
/usr/bin/python3 - "$src/manifests/monitoring/prometheusrule.yaml" "$work/rules.yaml" <<'PY'
import sys, yaml
rule = yaml.safe_load(open(sys.argv[1]))
assert rule["kind"] == "PrometheusRule", rule["kind"]
yaml.safe_dump(rule["spec"], open(sys.argv[2], "w"), sort_keys=False)
PY
cp "$src/test/app/deploy/alerts_promtool_test.yaml" "$work/"
cd "$work"
"$promtool" check rules rules.yaml
"$promtool" test rules alerts_promtool_test.yaml
