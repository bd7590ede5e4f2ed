"""The Fine-tune page's bar says about how long the run has left, from the pace of the phase it is in."""

from __future__ import annotations

import ui.jobs
from recengine.display import time_left
from ui.jobs import FineTuneJob


def test_each_phase_of_a_run_is_timed_from_its_own_start(monkeypatch):
    """The app probe: "roughly 2 minutes" said before the start, then only the time gone while it took eight."""
    now = [100.0]
    monkeypatch.setattr(ui.jobs.time, "monotonic", lambda: now[0])
    job = FineTuneJob(dataset_key="sample:movielens-100k", config={}, guarded=True)
    job.progress(0, 20, "checking on held-out items first: starting")
    now[0] = 140.0
    job.progress(5, 20, "checking on held-out items first: loss 3.6000")  # 8 s a step: 15 more take 2 minutes
    assert time_left(job.phase, now[0], job.done, job.total) == ", about 2 min left"
    now[0] = 300.0
    job.progress(0, 30, "starting")  # the final run: another total, its own pace
    now[0] = 310.0
    job.progress(2, 30, "loss 2.5000")  # 5 s a step now: 28 more take 140 s
    assert job.phase == (300.0, 0) and time_left(job.phase, now[0], job.done, job.total) == ", about 2 min left"
    assert job.losses == {True: [3.6], False: [2.5]}
