"""evaluate lets go of each fitted model once its rows are measured, and hands back the finished rows when stopped.

A probe on 20,000 items ran past 7 GB: every fitted model was kept to the end of the run, so EASE's item-by-item
weights were still held while the hybrid fitted its own EASE; and Ctrl-C after four of five models lost them all.
"""

from __future__ import annotations

import gc
import weakref

import pytest

from recengine.evaluation import evaluate
from recengine.evaluation.protocols import EvaluationInterrupted
from recengine.models import ItemKNN, Popularity


@pytest.fixture(scope="module")
def tiny_embeddings(tiny, encoder):
    from recengine.text import embed_items

    return embed_items(tiny, encoder)


class Tracked(Popularity):
    """Popularity that notes, as each copy starts to fit, how many copies fitted before it are still alive."""

    fitted: list[weakref.ref] = []
    alive_at_fit: list[int] = []

    def fit(self, *args, **kwargs):
        gc.collect()
        Tracked.alive_at_fit.append(sum(r() is not None for r in Tracked.fitted))
        Tracked.fitted.append(weakref.ref(self))
        return super().fit(*args, **kwargs)


def test_each_fitted_model_is_collected_before_the_next_one_fits(tiny, tiny_embeddings):
    Tracked.fitted.clear()
    Tracked.alive_at_fit.clear()
    res = evaluate(tiny, "warm", models=[Tracked(), Tracked(), Tracked()], embeddings=tiny_embeddings)
    assert list(res["model"]) == ["popularity", "popularity #2", "popularity #3"]
    assert Tracked.alive_at_fit == [0, 0, 0]  # was [0, 1, 2]: the run's list of models held every one
    gc.collect()
    assert all(r() is None for r in Tracked.fitted)  # nor is one kept once the run is over


def itemknns() -> list:
    gc.collect()
    return [o for o in gc.get_objects() if ItemKNN in type(o).__mro__]  # no isinstance: no abc hooks


def test_no_fitted_itemknn_is_alive_while_ease_fits(tiny, tiny_embeddings):
    alive = {}
    before = {id(o) for o in itemknns()}  # other tests' models (the app's shared fits) may live on: not this run's

    def progress(done, total, message):
        if message == "fitting ease":
            alive["itemknn"] = sum(id(o) not in before for o in itemknns())

    res = evaluate(tiny, "warm", models=["itemknn", "ease"], embeddings=tiny_embeddings, progress=progress)
    assert list(res["model"]) == ["itemknn", "ease"]
    assert alive == {"itemknn": 0}


def test_an_interrupt_hands_back_the_finished_rows_and_names_the_rest(tiny, tiny_embeddings):
    def progress(done, total, message):
        if message == "fitting itemknn":
            raise KeyboardInterrupt

    with pytest.raises(EvaluationInterrupted) as caught:
        evaluate(tiny, "warm", models=["popularity", "itemknn", "ease"], embeddings=tiny_embeddings, progress=progress)
    exc = caught.value
    assert isinstance(exc, KeyboardInterrupt) and type(exc.__cause__) is KeyboardInterrupt
    assert list(exc.results["model"]) == ["popularity"] and exc.unmeasured == ["itemknn", "ease"]
    whole = evaluate(tiny, "warm", models=["popularity"], embeddings=tiny_embeddings)
    assert exc.results.drop(columns="fit_seconds").equals(whole.drop(columns="fit_seconds"))


def test_an_interrupted_few_shot_run_keeps_the_finished_shot_counts(tiny, tiny_embeddings):
    def progress(done, total, message):
        if done == 1:  # after popularity's first shot count
            raise KeyboardInterrupt

    with pytest.raises(EvaluationInterrupted) as caught:
        evaluate(tiny, "few-shot", models=["popularity", "itemknn"], shots=(1, 2), embeddings=tiny_embeddings,
                 progress=progress)
    assert caught.value.results[["model", "shots"]].values.tolist() == [["popularity", 1]]
    assert caught.value.unmeasured == ["popularity 2-shot", "itemknn"]


def test_an_interrupt_before_any_model_finished_hands_back_no_rows(tiny, tiny_embeddings):
    def progress(done, total, message):
        raise KeyboardInterrupt

    with pytest.raises(EvaluationInterrupted) as caught:
        evaluate(tiny, "warm", models=["popularity", "ease"], embeddings=tiny_embeddings, progress=progress)
    assert caught.value.results.empty and caught.value.unmeasured == ["popularity", "ease"]
