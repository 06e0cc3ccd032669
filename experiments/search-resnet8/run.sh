#!/usr/bin/env bash
# ResNet-8 on Fashion-MNIST, the builtin library (56 multipliers + exact on 10 layers):
# NSGA-II (configs/resnet8-search.yaml: population 32, 30 generations, 2,000 validation
# images) against random sampling with NSGA-II's number of evaluations, same seed, same
# validation split, same hypervolume reference point (drop 0.05, energy 1.0).  The uniform
# assignments are evaluated inside the NSGA-II run (its reference points).  Each run's outputs
# go to a folder beside this script; results.csv gathers the summaries.
#   experiments/search-resnet8/run.sh [BUILD_DIR]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
axevo=${1:-$root/build}/bin/axevo
config=$root/configs/resnet8-search.yaml

"$axevo" search "$config" --out "$here/nsga2" --quiet
budget=$(awk '/^evaluations:/ {print $2}' "$here/nsga2/summary.yaml")
"$axevo" search "$config" --out "$here/random" --algorithm random --budget "$budget" --quiet

row() {  # run-folder label field(search|uniform)
  awk -v label="$2" -v which="$3" '
    /^evaluations:/ {ev=$2} /^front_size:/ {fs=$2} /^nondominated_on_test:/ {nd=$2}
    /^hypervolume:/ {hv=$2} /^hypervolume_uniform:/ {hvu=$2} /^search_seconds:/ {t=$2}
    /^  0.005:/ {s05=(which=="search") ? $3 : $5} /^  0.01:/ {s1=(which=="search") ? $3 : $5} /^  0.02:/ {s2=(which=="search") ? $3 : $5}
    END {gsub(/[,}]/, "", s05); gsub(/[,}]/, "", s1); gsub(/[,}]/, "", s2);
         if (which == "uniform") {ev=57; fs=""; nd=""; hv=hvu; t=""}
         print label "," ev "," fs "," nd "," hv "," s05 "," s1 "," s2 "," t}' "$1/summary.yaml"
}
{
  echo "algorithm,evaluations,front_size,nondominated_on_test,hypervolume,saving_at_0.5pct,saving_at_1pct,saving_at_2pct,search_seconds"
  row "$here/nsga2" nsga2 search
  row "$here/random" random search
  row "$here/nsga2" uniform uniform
} > "$here/results.csv.tmp"
mv "$here/results.csv.tmp" "$here/results.csv"
cat "$here/results.csv"
