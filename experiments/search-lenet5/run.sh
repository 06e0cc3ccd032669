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

"$root/experiments/summarize.sh" "$here/results.csv" "$here"/{nsga2,random,greedy,uniform}
rm -f "$here"/*/evaluations.csv.tmp
