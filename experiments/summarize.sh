#!/usr/bin/env bash
# One CSV row per campaign folder, from its summary.yaml (written by `axevo search`), the row
# named by the folder; the table goes to OUT atomically and to the terminal.
#   experiments/summarize.sh OUT.csv RUN_DIR...
set -euo pipefail
out=$1
shift
{
  echo "algorithm,evaluations,front_size,nondominated_on_test,hypervolume,saving_at_0.5pct,saving_at_1pct,saving_at_2pct,search_seconds"
  for run in "$@"; do
    awk -v run="$(basename "$run")" '
      /^evaluations:/ {ev=$2} /^front_size:/ {fs=$2} /^nondominated_on_test:/ {nd=$2} /^hypervolume:/ {hv=$2}
      /^  0.005:/ {s05=$3} /^  0.01:/ {s1=$3} /^  0.02:/ {s2=$3} /^search_seconds:/ {t=$2}
      END {gsub(",", "", s05); gsub(",", "", s1); gsub(",", "", s2);
           print run "," ev "," fs "," nd "," hv "," s05 "," s1 "," s2 "," t}' "$run/summary.yaml"
  done
} > "$out.tmp"
mv "$out.tmp" "$out"
cat "$out"
