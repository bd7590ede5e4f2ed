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


def test_the_guards_part_counts_the_final_run_still_to_come(monkeypatch):
    """The app probe: "about 12 s left" at step 95 of 99 of the guard's check, then the final run's 116 steps took
    2.5 minutes more. While the check runs, the final run's steps (the engine's estimate) are counted at its pace."""
    now = [0.0]
    monkeypatch.setattr(ui.jobs.time, "monotonic", lambda: now[0])
    job = FineTuneJob(dataset_key="sample:movielens-100k", config={}, guarded=True, final_steps=116)
    job.progress(0, 99, "checking on held-out items first: starting")
    now[0] = 95.0
    job.progress(95, 99, "checking on held-out items first: loss 3.6000")  # 1 s a step
    assert job.steps_after() == 116
    assert time_left(job.phase, now[0], job.done, job.total, job.steps_after()) == ", about 2 min left"  # 120 s
    job.progress(0, 116, "starting")  # the final run: nothing after it
    assert job.steps_after() == 0
    unguarded = FineTuneJob(dataset_key="k", config={}, guarded=False, final_steps=116)
    unguarded.progress(3, 116, "loss 2.0000")
    assert unguarded.steps_after() == 0


def test_a_started_job_knows_its_final_runs_steps(monkeypatch):
    """start_finetune asks the engine how many steps the final run takes (116 on the sample's cold-items split)."""
    import recengine
    from ui import engine

    seen = {}

    def fake_run(split, config, base, progress):  # the thread's work: not a fine-tune, only what it was given
        seen["steps"] = True
        raise ui.jobs.FineTuneStopped("stopped in the test")

    monkeypatch.setattr(engine, "finetuned_encoder", fake_run)
    ds = recengine.load_sample("movielens-100k")
    job = ui.jobs.start_finetune(ds, "sample:movielens-100k", {"device": "cpu"})
    job.wait(60)
    assert job.final_steps == 116 and seen
