#!/bin/bash
# Copies the weights of every checkpoint a run writes into a history folder, for checkpoint averaging
# (the trainer keeps only its newest checkpoints: `checkpoint.keep`). Runs until killed.
#
#   nohup nice -n 19 apps/demo-model/scripts/keep-checkpoints.sh /work/runs/v3-l1 /work/runs/v3-l1-history &
set -u
run=${1:?usage: keep-checkpoints.sh <run folder> <history folder>}
history=${2:?usage: keep-checkpoints.sh <run folder> <history folder>}
mkdir -p "$history"
while true; do
  for folder in "$run"/checkpoints/step-*; do
    [ -f "$folder/weights.safetensors" ] || continue
    name=$(basename "$folder")
    [ -f "$history/$name.safetensors" ] && continue
    # the trainer renames a finished checkpoint folder into place, so a visible one is complete; it may be
    # removed while we copy (then the copy fails and is dropped)
    if cp "$folder/weights.safetensors" "$history/$name.safetensors.tmp" 2>/dev/null; then
      mv "$history/$name.safetensors.tmp" "$history/$name.safetensors"
    else
      rm -f "$history/$name.safetensors.tmp"
    fi
  done
  sleep 20
done
