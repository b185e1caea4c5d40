#!/usr/bin/env bash
# run-queue.sh BIN SEED CONFIG...: trains the configs one after another, each into the folder `sprout sweep` would
# use (runs/sweep-<config folder>-<file>-s<seed>), so `sprout sweep ... --table-only` tabulates them afterwards.
# BIN is a folder holding a frozen copy of the built CLI (cp -r src/Sprout.Cli/bin/Release/net10.0 /tmp/runbin): a
# rebuild of the checkout during the runs then cannot change the program under them. A finished run is skipped, a
# cut one continues from its last checkpoint. THREADS (default 1) is passed as --threads.
# On the 2-core machine two queues side by side, one thread each, pinned, lose far less to other load than one
# two-thread run (docs/BENCHMARKS.md, "Session 7: a two-thread training on a shared machine"):
#   THREADS=1 nohup taskset -c 0 scripts/run-queue.sh /tmp/runbin 0 configs/sweeps/cifar10-resnet20-d10/{set,snfs}.yaml > q0.log &
#   THREADS=1 nohup taskset -c 1 scripts/run-queue.sh /tmp/runbin 0 configs/sweeps/cifar10-resnet20-d10/{dst-ee,topkast}.yaml > q1.log &
set -uo pipefail
if [ $# -lt 3 ] || [ ! -x "$1/sprout" ]; then
  echo "usage: run-queue.sh BIN SEED CONFIG... (BIN: a copy of src/Sprout.Cli/bin/Release/net10.0 holding the sprout program)" >&2
  exit 2
fi
bin=$1; seed=$2; shift 2
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
logs=${LOGS:-runs/logs}; mkdir -p "$logs"
for cfg in "$@"; do
  name="sweep-$(basename "$(dirname "$cfg")")-$(basename "$cfg" .yaml)-s$seed"; out="runs/$name"
  if grep -q '"status": "completed"' "$out/summary.json" 2>/dev/null; then echo "skip $name (completed)"; continue; fi
  echo "$(date -u +%T) start $name"
  if [ -f "$out/last.safetensors" ]; then
    "$bin/sprout" train --resume "$out/last.safetensors" --threads "${THREADS:-1}" > "$logs/$name.log" 2>&1
  else
    "$bin/sprout" train --config "$cfg" --seed "$seed" --name "$name" --out "$out" --threads "${THREADS:-1}" > "$logs/$name.log" 2>&1
  fi
  echo "$(date -u +%T) end $name (exit $?)"
done
