"""Fine-tunes that run on the server, in a thread of their own, so that they outlive the page and the tab.

A fine-tune takes minutes on a CPU. Run inside the page's script, it stopped when the visitor left the page or
closed the tab, and its work was lost. Here it runs in a background thread; the page only reads its state
(step, loss, result or error), so any session, including one opened after the tab was closed, can watch it and
pick up its result. One fine-tune runs at a time per app process: two would share the same cores or GPU and
each would take twice as long.
"""

from __future__ import annotations

import atexit
import contextlib
import itertools
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import streamlit as st

from recengine.errors import RecengineError


class FineTuneStopped(RecengineError):
    """The visitor stopped the fine-tune; nothing of it was saved."""


_ids = itertools.count(1)


class _InThread:
    """What every background job shares: it runs until ``finished`` is set, in ``thread``."""

    finished: float | None
    thread: threading.Thread | None
    error: BaseException | None

    def start(self, work: Callable[[], None], name: str) -> None:
        """Run ``work()`` in a daemon thread; what it raises is kept in ``error`` for a page to show (a thread's
        exception would otherwise be lost), and ``finished`` is set either way."""

        def run() -> None:
            try:
                work()
            except BaseException as exc:
                self.error = exc
            finally:
                self.finished = time.monotonic()

        self.thread = threading.Thread(target=run, name=name, daemon=True)
        self.thread.start()

    @property
    def running(self) -> bool:
        return self.finished is None

    def wait(self, timeout: float | None = None) -> bool:
        """Wait for the thread to end (tests, and a server shutting down); True when it has."""
        if self.thread is not None:
            self.thread.join(timeout)
        return not self.running


@dataclass
class FineTuneJob(_InThread):
    """The state of one background fine-tune, written by its thread and read by the pages."""

    dataset_key: str
    config: dict
    guarded: bool
    id: int = field(default_factory=lambda: next(_ids))
    started: float = field(default_factory=time.monotonic)
    done: int = 0
    total: int = 0
    message: str = ""
    losses: dict[bool, list[float]] = field(default_factory=lambda: {True: [], False: []})
    result: dict | None = None
    error: BaseException | None = None
    finished: float | None = None
    stop_requested: threading.Event = field(default_factory=threading.Event)
    thread: threading.Thread | None = None
    # How often a page redraws this run. On a CPU each redraw competes with training for the same few cores:
    # polled every second, a watched 20-step run on 2 cores took 85-117 s instead of 43 s unwatched; every 3 s,
    # 53 s. A GPU run does not compete, so it is redrawn each second (set by start_finetune).
    poll_seconds: float = 3.0
    # the data it trains on: a tab opened with no dataset (a bookmark of the Fine-tune page) takes it up from here
    dataset: object = field(default=None, repr=False)
    # the encoder it starts from: "default", or a model a visitor gave on the Embeddings page
    base: str = "default"
    # the session that started it (ui.state.visitor_id), and the one that asked it to stop: on a server that others
    # use, a stranger's tab neither takes up this run's uploaded data nor stops it (see pages/3_Fine-tune.py)
    owner: str = ""
    stopped_by: str = ""
    # when the current phase began and its step count then, for the time left (recengine.display.time_left)
    phase: tuple[float, int] = (0.0, 0)
    # the final run's steps (the engine's estimate), which a guarded run's first part has still to come: its time left
    # counted only the part it was in ("about 12 s left", then 2.5 minutes more)
    final_steps: int = 0

    def steps_after(self) -> int:
        """Training steps still to come after the current part: the final run's while the guard's check runs."""
        from recengine.text.finetune import finetune_phase

        return self.final_steps if self.guarded and finetune_phase(self.message, True)[0] else 0

    def progress(self, done: int, total: int, message: str) -> None:
        """The fine-tune's progress callback (called from its thread): records the step and the loss."""
        from recengine.text.finetune import finetune_phase

        if self.stop_requested.is_set():
            raise FineTuneStopped("The fine-tune was stopped before it finished; nothing of it was saved.")
        check, _, body = finetune_phase(message, self.guarded)
        if total != self.total or done < self.done:  # a new phase (the guard's run, then the final one): its own pace
            self.phase = (time.monotonic(), done)
        self.done, self.total, self.message = done, total, message
        if body.startswith("loss "):
            self.losses[check].append(float(body.split()[1]))


@st.cache_resource(show_spinner=False)
def _jobs() -> dict:
    """The latest fine-tune of this app process, shared by every session (a dict so it can be replaced)."""
    return {"latest": None, "lock": threading.Lock()}


@atexit.register
def _stop_on_exit() -> None:
    """The server is stopping: end a running fine-tune at its next step (a thread killed inside torch aborts)."""
    with contextlib.suppress(Exception):
        job = _jobs()["latest"]
        if job is not None and job.running:
            job.stop_requested.set()
            job.wait(60)


def latest_job() -> FineTuneJob | None:
    """The fine-tune started last in this process (running or finished), or None."""
    return _jobs()["latest"]


def start_finetune(dataset, dataset_key: str, config: dict, base: str = "default", owner: str = "") -> FineTuneJob:
    """Start fine-tuning on the cold-items split's train part in a background thread, and return its job.

    Raises :class:`RecengineError` while another fine-tune is still running (one at a time), and whatever the
    settings raise when they are wrong, before any thread starts.
    """
    from recengine.text.encoder import resolve_device
    from recengine.text.finetune import FineTuneConfig, estimate_steps
    from ui.engine import cold_split, finetuned_encoder

    cfg = FineTuneConfig(**config)  # a wrong setting is reported here, on the click
    split = cold_split(dataset, dataset_key)  # computed in the page: the thread has no Streamlit context
    registry = _jobs()
    with registry["lock"]:
        current = registry["latest"]
        if current is not None and current.running:
            raise RecengineError("A fine-tune is already running on this server; wait for it to finish, or stop it, "
                                 "then start this one.")
        job = registry["latest"] = FineTuneJob(dataset_key, dict(config), cfg.checks_first, dataset=dataset, base=base,
                                                 owner=owner)
    with contextlib.suppress(Exception):  # a device that is not there fails in the run, and is shown from there
        device = resolve_device(cfg.device)
        if device.startswith("cuda"):
            job.poll_seconds = 1.0
        job.final_steps = estimate_steps(split.train, cfg, device)

    def run() -> None:
        enc = finetuned_encoder(split, config, base, job.progress)
        job.result = {"path": str(enc.path), "manifest": enc.manifest}

    job.start(run, f"recengine-finetune-{job.id}")
    return job


class FitStopped(RecengineError):
    """The app is stopping: a background fit ended before it finished; nothing of it was kept."""


@dataclass
class FitJob(_InThread):
    """A model fitted in a thread of its own (the hybrid on a large catalogue: minutes), so that the page stays
    usable meanwhile and the fit outlives the page and the tab that asked for it."""

    key: tuple
    model_name: str
    n_items: int
    started: float = field(default_factory=time.monotonic)
    done: int = 0
    total: int = 0
    message: str = ""
    error: BaseException | None = None
    finished: float | None = None
    stop_requested: threading.Event = field(default_factory=threading.Event)
    thread: threading.Thread | None = None

    def progress(self, done: int, total: int, message: str) -> None:
        """The fit's progress callback (called from its thread)."""
        if self.stop_requested.is_set():
            raise FitStopped("The app stopped before the fit finished; nothing of it was kept.")
        self.done, self.total, self.message = done, total, message


@st.cache_resource(show_spinner=False)
def _fits() -> dict:
    """Background fits of this app process, by their model key (running, failed, or finished and not yet taken)."""
    return {"jobs": {}, "lock": threading.Lock()}


def fit_job(key: tuple) -> FitJob | None:
    """The background fit of ``key`` started in this process (running, or ended with an error), or None."""
    return _fits()["jobs"].get(key)


def forget_fit(key: tuple) -> None:
    """Forget an ended fit of ``key`` (its error shown), so that the next request starts a new one."""
    fits = _fits()
    with fits["lock"]:
        job = fits["jobs"].get(key)
        if job is not None and not job.running:
            del fits["jobs"][key]


def start_fit(key: tuple, model_name: str, n_items: int, fit, keep) -> FitJob:
    """Run ``fit(progress)`` in a background thread and hand its model to ``keep(model)``; the job of ``key``
    already running (another tab asked first) is returned instead of a second one. ``fit`` must touch no
    Streamlit call: the thread has no page to draw on."""
    fits = _fits()
    with fits["lock"]:
        job = fits["jobs"].get(key)
        if job is not None and (job.running or job.error is not None):
            return job
        job = fits["jobs"][key] = FitJob(key, model_name, n_items)

    def run() -> None:
        keep(fit(job.progress))
        with fits["lock"]:
            fits["jobs"].pop(key, None)  # the model is in the shared results now: the job is done with

    job.start(run, f"recengine-fit-{model_name}")
    return job


@atexit.register
def _stop_fits_on_exit() -> None:
    """The server is stopping: end running fits at their next stage (a thread killed inside numpy or torch aborts)."""
    with contextlib.suppress(Exception):
        for job in list(_fits()["jobs"].values()):
            if job.running:
                job.stop_requested.set()
                job.wait(30)
