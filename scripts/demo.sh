#!/usr/bin/env bash
# Command 1: set up, then run the whole pipeline on the bundled examples.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
rm -rf out/examples
set +e
.venv/bin/storytrace run examples/articles --out out/examples
rc=$?
set -e
echo
echo "Report: $(pwd)/out/examples/report.html   (data: out/examples/*.jsonl)"
# The examples include one deliberately broken file, so a non-zero exit (1) is expected.
[[ $rc -le 1 ]]
