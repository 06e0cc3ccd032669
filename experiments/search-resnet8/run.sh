#!/usr/bin/env bash
# ResNet-8 on Fashion-MNIST, the builtin library (56 multipliers + exact on 10 layers):
# NSGA-II (configs/resnet8-search.yaml: population 32, 30 generations, 2,000 validation
# images) against random sampling with NSGA-II's number of evaluations, same seed, same
# validation split, same hypervolume reference point (drop 0.05, energy 1.0), and the uniform
# assignments.  Each run's outputs go to a folder beside this script; results.csv gathers the
# summaries.
#   experiments/search-resnet8/run.sh [BUILD_DIR]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
axevo=${1:-$root/build}/bin/axevo
config=$root/configs/resnet8-search.yaml

"$axevo" search "$config" --out "$here/nsga2" --quiet
budget=$(awk '/^evaluations:/ {print $2}' "$here/nsga2/summary.yaml")
"$axevo" search "$config" --out "$here/random" --algorithm random --budget "$budget" --quiet
"$axevo" search "$config" --out "$here/uniform" --algorithm uniform --quiet
"$root/experiments/summarize.sh" "$here/results.csv" "$here"/{nsga2,random,uniform}
