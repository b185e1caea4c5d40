#!/usr/bin/env bash
# keep-records.sh [RUN_FOLDER...]: copies the text records of finished runs (config.yaml, summary.json,
# metrics.jsonl) from runs/ into docs/results/runs/, which is in git. Each session starts on a fresh machine and
# runs/ is not in git, so without these copies a table could not be rebuilt once its runs' machine was gone:
#   ./sprout sweep --config configs/sweeps/cifar10-vit-d10/*.yaml --seeds 0 --runs docs/results/runs --table-only
# Checkpoints are not kept (run outputs stay out of git). Without arguments every completed runs/sweep-* is copied.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
folders=("$@"); [ ${#folders[@]} -gt 0 ] || folders=(runs/sweep-*)
for run in "${folders[@]}"; do
  [ -d "$run" ] || continue
  if ! grep -q '"status": "completed"' "$run/summary.json" 2>/dev/null; then echo "not completed, not kept: $run"; continue; fi
  dest="docs/results/runs/$(basename "$run")"; mkdir -p "$dest"
  cp "$run/config.yaml" "$run/summary.json" "$run/metrics.jsonl" "$dest/"
  echo "kept $dest"
done
