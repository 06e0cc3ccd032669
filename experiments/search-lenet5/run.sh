#!/usr/bin/env bash
# LeNet-5 on Fashion-MNIST, the builtin library (56 multipliers + exact on 5 layers):
# NSGA-II (configs/lenet5-search.yaml) against the baselines with the same seed, the same
# validation split and the same hypervolume reference point (drop 0.05, energy 1.0):
# random sampling with NSGA-II's number of evaluations, the greedy sensitivity walk, and the
# uniform assignments.  Each run's outputs go to a folder beside this script; results.csv
# gathers their summaries.  About 8 minutes on 2 cores.
#   experiments/search-lenet5/run.sh [BUILD_DIR]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
axevo=${1:-$root/build}/bin/axevo
config=$root/configs/lenet5-search.yaml

"$axevo" search "$config" --out "$here/nsga2" --quiet
budget=$(awk '/^evaluations:/ {print $2}' "$here/nsga2/summary.yaml")
"$axevo" search "$config" --out "$here/random" --algorithm random --budget "$budget" --quiet
"$axevo" search "$config" --out "$here/greedy" --algorithm greedy --quiet
"$axevo" search "$config" --out "$here/uniform" --algorithm uniform --quiet

# One row per run from its summary.yaml.
{
  echo "algorithm,evaluations,front_size,nondominated_on_test,hypervolume,saving_at_0.5pct,saving_at_1pct,saving_at_2pct,search_seconds"
  for run in nsga2 random greedy uniform; do
    awk -v run="$run" '
      /^evaluations:/ {ev=$2} /^front_size:/ {fs=$2} /^nondominated_on_test:/ {nd=$2} /^hypervolume:/ {hv=$2}
      /^  0.005:/ {s05=$3} /^  0.01:/ {s1=$3} /^  0.02:/ {s2=$3} /^search_seconds:/ {t=$2}
      END {gsub(",", "", s05); gsub(",", "", s1); gsub(",", "", s2);
           print run "," ev "," fs "," nd "," hv "," s05 "," s1 "," s2 "," t}' "$here/$run/summary.yaml"
  done
} > "$here/results.csv.tmp"
mv "$here/results.csv.tmp" "$here/results.csv"
rm -f "$here"/*/evaluations.csv.tmp
cat "$here/results.csv"
