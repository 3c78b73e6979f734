#!/bin/bash
# Recipes at equal steps (equal wall time, one model): a short run per learning rate from the same initial
# weights, one after another, then each run's held-out validations side by side (and its seconds per step).
#
#   apps/demo-model/scripts/compare-recipes.sh <config.json> <initial weights | none> <steps> <out folder> <lr>...
#
# e.g. compare-recipes.sh apps/demo-model/configs/real-v1.json /work/runs/v3-l1-final.safetensors 1200 /work/runs/real-recipes 1e-4 3e-4 1e-3
set -eu
config=$(realpath "${1:?usage: compare-recipes.sh <config.json> <initial weights|none> <steps> <out folder> <lr>...}")
weights=${2:?initial weights or none}
steps=${3:?steps}
out=${4:?out folder}
shift 4
[ $# -gt 0 ] || { echo "compare-recipes.sh: give at least one learning rate" >&2; exit 2; }
here=$(dirname "$(realpath "$0")")
mkdir -p "$out"
out=$(realpath "$out")
[ "$weights" = none ] || weights=$(realpath "$weights")
for lr in "$@"; do
  run="$out/lr-$lr"
  [ -e "$run/run.json" ] && { echo "$run exists: skipped"; continue; }
  node -e '
    const fs = require("fs");
    const [config, weights, lr, file] = process.argv.slice(1);
    const c = JSON.parse(fs.readFileSync(config, "utf8"));
    c.optimizer.learningRate = Number(lr);
    if (weights === "none") delete c.initialWeights; else c.initialWeights = { path: weights };
    fs.writeFileSync(file, JSON.stringify(c, null, 2) + "\n");
  ' "$config" "$weights" "$lr" "$out/config-lr-$lr.json"
  (cd "$here/.." && node --conditions=@s2cassi/source --import tsx scripts/train-demo-model.ts train "$run" \
    --config "$out/config-lr-$lr.json" --until-step "$steps" --threads 2) > "$out/lr-$lr.out" 2>&1
done
node -e '
  const fs = require("fs");
  const [out, ...lrs] = process.argv.slice(1);
  const table = {};
  const speed = {};
  for (const lr of lrs) {
    const lines = fs.readFileSync(`${out}/lr-${lr}/log.jsonl`, "utf8").trim().split("\n").map(JSON.parse);
    for (const r of lines.filter((r) => r.type !== "step" && typeof r.psnr === "number"))
      (table[r.step] ??= {})[lr] = `${r.psnr.toFixed(2)} (${r.scenes.map((s) => s.psnr.toFixed(2)).join(" / ")})`;
    const s = lines.filter((r) => r.type === "step").map((r) => r.seconds).sort((a, b) => a - b);
    speed[lr] = s[Math.floor(s.length / 2)];
  }
  console.log(`| step | ${lrs.map((lr) => `lr ${lr}`).join(" | ")} |`);
  console.log(`|---|${lrs.map(() => "---").join("|")}|`);
  for (const step of Object.keys(table).map(Number).sort((a, b) => a - b))
    console.log(`| ${step} | ${lrs.map((lr) => table[step][lr] ?? "").join(" | ")} |`);
  console.log(`| median s/step | ${lrs.map((lr) => speed[lr].toFixed(3)).join(" | ")} |`);
' "$out" "$@"
