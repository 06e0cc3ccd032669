#!/usr/bin/env bash
# The project's models with each of the 13 EvoApprox signed multipliers on every layer, and
# one mixed per-layer assignment each; 8-bit, per-tensor weights, percentile-99.99 activations
# calibrated on 2,000 training images.  Writes results-<model>.csv and mixed-<model>.csv
# beside this script (ResNet-8 on the first 1,000 test images, the others on all 10,000).
#   experiments/uniform-evoapprox/run.sh [BUILD_DIR] [EVOAPPROX_DIR]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
axevo=${1:-$root/build}/bin/axevo
evo=${2:-$root/../shared/evoapprox}
lib="lut:$evo"

run() {  # model limit mixed-assignment
  local model=$1 limit=$2 mixed=$3
  local args=("$root/configs/$model.yaml" --library "$lib" --format csv)
  [ "$limit" -gt 0 ] && args+=(--limit "$limit")
  "$axevo" eval "${args[@]}" --uniform all > "$here/results-$model.csv.tmp"
  "$axevo" eval "${args[@]}" --assign "$mixed" > "$here/mixed-$model.csv.tmp"
  mv "$here/results-$model.csv.tmp" "$here/results-$model.csv"
  mv "$here/mixed-$model.csv.tmp" "$here/mixed-$model.csv"
  echo "wrote $here/results-$model.csv"
}

run lenet5 0 "/features/features.0/Conv=mul8s_1KVA,/features/features.3/Conv=mul8s_1L2H,/classifier/classifier.0/Gemm=mul8s_1KTY,/classifier/classifier.2/Gemm=mul8s_1L2D,/classifier/classifier.4/Gemm=mul8s_1KV8"
run lstm 0 "/lstm/LSTM=mul8s_1KVL,/fc/Gemm=mul8s_1L2D"
run resnet8 1000 "/stem/stem.0/Conv=mul8s_1KV8,/stage1/conv1/Conv=mul8s_1L2H,/stage1/conv2/Conv=mul8s_1L2H,/stage2/conv1/Conv=mul8s_1KVL,/stage2/conv2/Conv=mul8s_1KVL,/stage3/conv1/Conv=mul8s_1KTY,/stage3/conv2/Conv=mul8s_1KTY,/fc/Gemm=mul8s_1KV8"
