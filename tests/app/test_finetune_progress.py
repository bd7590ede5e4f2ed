"""The Fine-tune page's progress: a guarded run trains twice, and the bar and loss curve say which part is running."""

from __future__ import annotations

import numpy as np

from recengine.text import FineTuneConfig, finetune
from recengine.text.finetune import finetune_phase


def test_each_part_of_a_guarded_run_is_named_and_keeps_its_loss(tiny):
    messages: list[str] = []
    cfg = FineTuneConfig(epochs=1, batch_size=4, neighbors=2, max_seq_length=16, device="cpu", guard=True, alpha=0.75,
                         val_frac=0.3, seed=int(np.random.default_rng().integers(1 << 30)))  # trained, not loaded
    finetune(tiny, "default", cfg, progress=lambda d, t, m: messages.append(m))
    parts = [finetune_phase(m, guarded=True) for m in messages]
    losses = [(check, body) for check, _, body in parts if body.startswith("loss ")]
    assert any(check for check, _ in losses) and any(not check for check, _ in losses)  # both parts report a loss
    first_final = next(i for i, (check, _) in enumerate(losses) if not check)
    assert all(check for check, _ in losses[:first_final])  # the check comes first, then the real run
    assert {phase for _, phase, _ in parts} == {"part 1 of 2: checking on held-out items", "part 2 of 2: training on all train items"}
    assert all(not body.startswith(":") and "checking on held-out items first" not in body for _, _, body in parts)
