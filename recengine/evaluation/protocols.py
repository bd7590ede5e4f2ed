"""Offline evaluation of the recommenders on the four protocols of :mod:`recengine.data.splits`.

- ``warm``: each test user's train items form the profile; all items are ranked, train items excluded.
- ``cold-items``: the profile is the user's train items; only the held-out (cold) items are ranked.
- ``few-shot``: the profile is the n revealed items (``shots``); all items are ranked, the profile excluded. The
  held-out users are those with more than ``max(shots)`` interactions, the same users at every shot count (so
  asking for 1,50 measures 1 shot on fewer, heavier users than asking for 1,3,5); at n shots a user's test items
  are the ones after the first n, so a larger n also leaves fewer to find.
- ``temporal``: as warm (the profile is the user's train items; all items ranked, train items excluded), with
  train everything up to a date and test what users seen before it did after it. The ``note`` starts with the
  cut and how many test interactions are on items new since it, which only the text models can reach.
"""

from __future__ import annotations

import dataclasses
import warnings
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import numpy as np
import pandas as pd

from recengine.columns import Columns
from recengine.data import Dataset, Split, make_split
from recengine.data.dataset import as_dataset
from recengine.data.splits import seeded_users, user_keys
from recengine.errors import ConfigError
from recengine.evaluation.metrics import coverage, intra_list_diversity, novelty, popularity_bias, ranking_metrics

Progress = Callable[[int, int, str], None]
DEFAULT_MODELS = ("popularity", "itemknn", "ease", "content", "hybrid")
BATCH = 256


class EvaluationInterrupted(KeyboardInterrupt):
    """:func:`evaluate` stopped by Ctrl-C or a polite stop (SIGTERM) after some models were measured.

    A :class:`KeyboardInterrupt` (code that catches that is unchanged), raised from the interrupt that stopped it
    (``__cause__``). ``results`` holds the finished rows, as :func:`evaluate` would have returned them (empty when
    none finished); ``unmeasured`` the labels of the rows not measured (``hybrid``, ``content 3-shot``).
    """

    def __init__(self, results: pd.DataFrame, unmeasured: Sequence[str]) -> None:
        super().__init__(f"evaluation interrupted; not measured: {', '.join(unmeasured) or 'none'}")
        self.results = results
        self.unmeasured = list(unmeasured)


def protocol_name(protocol: str) -> str:
    """The display form of a protocol name: ``warm``, ``cold-items``, ``few-shot`` or ``temporal``."""
    key = str(protocol).strip().lower().replace("_", "-")
    if key not in ("warm", "cold-items", "few-shot", "temporal"):
        raise ConfigError(f"unknown protocol {protocol!r}; choose one of warm, cold-items, few-shot, temporal.")
    return key


def split_profiles(split: Split) -> list[Any]:
    """The profile of every test user of a split, as the protocol defines it."""
    from recengine.models import Profile

    users = split.test_users
    if split.profiles is not None:
        grouped = split.profiles.groupby(Columns.user)[Columns.item].apply(list)
        return [Profile.from_items(grouped.get(u, []), user_id=u) for u in users]
    matrix, user_map, item_ids = split.train.matrix, split.train.user_map, split.train.item_map.external
    rows = user_map.to_internal(users)
    out = []
    for u, r in zip(users, rows):
        items = item_ids[matrix.indices[matrix.indptr[r] : matrix.indptr[r + 1]]] if r >= 0 else []
        out.append(Profile(liked=dict.fromkeys(items, 1.0), user_id=str(u)))
    return out


def recommend_split(model: Any, split: Split, k: int = 10) -> pd.DataFrame:
    """Top-k for every test user of ``split`` (in batches, to bound memory)."""
    profiles = split_profiles(split)
    parts = [
        model.recommend(profiles[i : i + BATCH], k=k, exclude_seen=True, candidates=split.candidates)
        for i in range(0, len(profiles), BATCH)
    ]
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=list(Columns.recommendations))


def sample_users(split: Split, max_users: int | None, seed: int) -> Split:
    """``split`` with at most ``max_users`` test users (a seeded sample; their test rows and profiles kept whole).

    >>> import recengine
    >>> from recengine.data import warm_split
    >>> len(sample_users(warm_split(recengine.load_sample("movielens-100k")), 100, seed=0).test_users)
    100
    """
    users = split.test_users
    if max_users is None or len(users) <= max_users:
        return split
    # drawn from what users did, not their ids; a few-shot user by all their held-out rows (shots and test), so
    # that every shot count of one evaluation is measured on the same users
    rows = split.test if split.profiles is None else pd.concat([split.profiles, split.test], ignore_index=True)
    keep = set(seeded_users(user_keys(rows, seed), users, max_users))
    profiles = None if split.profiles is None else split.profiles[split.profiles[Columns.user].isin(keep)]
    return dataclasses.replace(split, test=split.test[split.test[Columns.user].isin(keep)], profiles=profiles)


def split_metrics(recs: pd.DataFrame, split: Split, k: int, vectors: np.ndarray | None) -> dict[str, float]:
    """Ranking metrics @k plus coverage, diversity, novelty and popularity bias for one split."""
    train = split.train
    item_ids = train.item_map.external
    n_catalogue = len(split.candidates) if split.candidates is not None else train.n_items
    n_train_users = int((np.diff(train.matrix.indptr) > 0).sum())
    out = {f"{m}@{k}": v for m, v in ranking_metrics(recs, split.test, k).items()}
    out["coverage"] = coverage(recs, n_catalogue, k)
    out["diversity"] = intra_list_diversity(recs, item_ids, vectors, k) if vectors is not None else float("nan")
    ranked = train.item_map.to_internal(split.candidates) if split.candidates is not None else None
    if ranked is not None and not np.asarray(train.item_popularity)[ranked[ranked >= 0]].any():
        # every ranked item is new (cold items): all lists are equally novel, and the figures would tell nothing apart
        out["novelty"] = out["popularity_bias"] = float("nan")
    else:
        out["novelty"] = novelty(recs, item_ids, train.item_popularity, n_train_users, k)
        out["popularity_bias"] = popularity_bias(recs, item_ids, train.item_popularity, n_train_users, k)
    return out


#: a typical test user with at most this many times k items to rank gets a note: a random list's recall is 20 % or more
RANDOM_NOTE = 5


def few_to_rank(split: Split, k: int) -> str:
    """A note when a typical test user has at most ``k`` items to rank: a top-``k`` list then holds nearly all of
    them, every model scores high and the figures cannot tell models apart; or at most :data:`RANDOM_NOTE` times
    ``k``: a random list's recall (k / n) is then high enough to read the figures against; "" otherwise.

    >>> import recengine
    >>> from recengine.data import warm_split
    >>> few_to_rank(warm_split(recengine.load_sample("movielens-100k")), 10)
    ''
    """
    train = split.train
    if split.candidates is not None:
        rankable = np.full(len(split.test_users), len(split.candidates))
    elif split.profiles is not None:
        rankable = train.n_items - split.profiles.groupby(Columns.user).size().reindex(split.test_users).fillna(0).to_numpy()
    else:
        rows = train.user_map.to_internal(split.test_users)
        seen = np.diff(train.matrix.indptr)[np.maximum(rows, 0)] * (rows >= 0)
        rankable = train.n_items - seen
    n = int(np.median(rankable)) if len(rankable) else 0
    if not len(rankable) or n > RANDOM_NOTE * k:
        return ""
    if n > k:  # a random list of k out of n finds k / n of what each user chose, on average
        return (f"only {n} items to rank for a typical test user, so a random top-{k} list would already find about "
                f"{k / n:.0%} of what they chose: read these figures against that, not against larger catalogues'.")
    return (f"only {n} item(s) to rank for a typical test user, so a top-{k} list holds them all and every model "
            f"scores high: these figures cannot tell models apart. Use a larger catalogue, or a smaller k.")


#: fewer test users than this, and a figure moves by more than the gaps between models from one seed to the next
FEW_USERS = 30


def who_is_measured(split: Split, dataset: Dataset, eligible: int | None = None) -> str:
    """A note on the test users when it matters: so few that the figures are noise, (warm) users left out
    because they have too few interactions to hold one out, (temporal) users who first came after the cut, or a
    sample of ``eligible`` test users measured (``max_users``); "" otherwise.

    >>> import recengine
    >>> from recengine.data import warm_split
    >>> ds = recengine.load_sample("movielens-100k")
    >>> who_is_measured(warm_split(ds), ds)
    ''
    """
    n = len(split.test_users)
    notes = []
    if 0 < n < FEW_USERS:
        notes.append(f"only {n} test user(s): figures this small move by more than the gaps between models from one "
                     "seed to the next; compare several seeds")
    pool = n if eligible is None else eligible  # the test users before a sample was drawn
    if split.protocol == "warm" and split.profiles is None and pool < dataset.n_users:
        notes.append(f"{dataset.n_users - pool:,} of {dataset.n_users:,} users are not measured: too few interactions "
                     "to hold one out")
    if split.protocol == "cold_items" and split.candidates is not None:
        inter = dataset.interactions
        users = inter.loc[inter[Columns.item].isin(set(split.candidates)), Columns.user].nunique()
        if users > pool:
            notes.append(f"{users - pool:,} of the {users:,} users of the held-out items are not measured: they have "
                         "no other interaction to learn their taste from")
    if split.protocol == "temporal" and split.cut is not None:
        inter = dataset.interactions
        active = set(inter.loc[inter[Columns.timestamp] > int(split.cut.timestamp()), Columns.user])
        new = len(active - set(split.train.interactions[Columns.user]))
        if new:  # on MovieLens-100K most of those active after the cut: a deployed model meets them cold too
            notes.append(f"{new:,} of the {len(active):,} users active after the cut are not measured: they first came "
                         "after it, with nothing before it to learn their taste from")
    if n < pool:
        notes.append(f"a seeded sample of {n:,} of the {pool:,} test users is measured, as asked")
    return "; ".join(notes)


def tuned_elsewhere(encoder: Any, train: Dataset) -> str:
    """A note when ``encoder`` is a fine-tune trained on other interactions than ``train`` (a split's training
    data): it may have learned from the very interactions the split holds out, and then the text models' figures
    are optimistic. "" for a base encoder, or a fine-tune of exactly this training data.

    >>> import recengine
    >>> from recengine.data import warm_split
    >>> tuned_elsewhere("default", warm_split(recengine.load_sample("movielens-100k")).train)
    ''
    """
    seen = (getattr(encoder, "manifest", None) or {}).get("data_hash")
    if not seen:
        return ""
    from recengine.text.pairs import data_hash

    if seen == data_hash(train):
        return ""
    return ("the encoder was fine-tuned on other interactions than this split's training data, perhaps on some of "
            "its test interactions: the text models' figures may be optimistic. Measure a fine-tune on the split it "
            "was trained on (recengine finetune reports its cold items), or evaluate with the base encoder.")


def evaluate(
    dataset: Dataset,
    protocol: str = "warm",
    models: Iterable[Any] = DEFAULT_MODELS,
    k: int = 10,
    shots: Sequence[int] = (1, 3, 5),
    seed: int = 42,
    embeddings: Any = None,
    encoder: Any = None,
    progress: Progress | None = None,
    max_users: int | None = None,
) -> pd.DataFrame:
    """Fit each model on the protocol's train split and measure its top-``k`` on the test users.

    Parameters
    ----------
    dataset
        The full dataset; the split is made here with ``seed``.
    protocol
        ``warm``, ``cold-items``, ``few-shot`` or ``temporal`` (underscores work too).
    models
        Model names (``popularity``, ``itemknn``, ``ease``, ``content``, ``hybrid``) or
        :class:`~recengine.models.Recommender` objects; each object is fitted as a fresh copy with its settings
        (:func:`fresh_copy`), so yours is left as it was.
    shots
        Profile sizes for ``few-shot``; one result row per model and shot count.
    embeddings, encoder
        Item embeddings of ``dataset`` (computed with ``encoder``, default MiniLM, through the cache
        when not given): used by the text models and by the diversity metric. Embeddings of another encoder
        than ``encoder``, or of another catalogue's texts, are a :class:`ConfigError`.
    progress
        ``progress(done, total, message)`` after each model (and shot count). Each fitted model is let go of once
        its rows are measured: only one is held at a time.
    max_users
        Measure on a seeded sample of at most this many test users per split (None: all). On data with
        hundreds of thousands of users the ranking, not the fitting, takes the time. Accuracy metrics are
        averages over users and keep their level on a sample of a few thousand; coverage counts the items
        reached by all lists, so it is lower on a sample than on everyone.

    Returns
    -------
    pandas.DataFrame
        One row per model (and shot count): ``protocol``, ``model``, [``shots``], ``recall@k``,
        ``ndcg@k``, ``hit@k``, ``mrr@k``, ``map@k``, ``coverage``, ``diversity``, ``novelty``,
        ``popularity_bias``, ``fit_seconds``, ``n_users``, ``note``. A model that gives no test user a list
        (popularity, ItemKNN or EASE on cold items) has NaN ranking metrics, not zeros, and a ``note`` that
        says it cannot score them. On ``temporal`` each note starts with the split's
        :attr:`~recengine.data.splits.Split.cut_summary`, which ``attrs["cut"]`` also holds.

    Raises
    ------
    EvaluationInterrupted
        On Ctrl-C or SIGTERM while the models are fitted and measured (a :class:`KeyboardInterrupt`, raised from
        the one that stopped the run): its ``results`` hold the rows finished so far and ``unmeasured`` the rest.

    Examples
    --------
    >>> import recengine
    >>> ds = recengine.load_sample("movielens-100k")
    >>> res = evaluate(ds, "warm", models=["popularity"])
    >>> round(float(res["ndcg@10"].iloc[0]), 2)
    0.22
    """
    from recengine.models import Recommender, make_model
    from recengine.models.base import check_k

    if isinstance(dataset, Split) or (isinstance(dataset, (list, tuple)) and dataset and isinstance(dataset[0], Split)):
        raise ConfigError("evaluate takes the full Dataset and makes the protocol's split itself (protocol=, seed=); "
                          "got a Split: pass the dataset it was made from (or split.train, to split its training data "
                          "again).")
    dataset = as_dataset(dataset, "evaluate")
    name = protocol_name(protocol)
    k = check_k(k, "recommendations to measure")
    specs = [m.strip() for m in models.split(",")] if isinstance(models, str) else list(models)
    if not specs:
        raise ConfigError("no models to evaluate; choose from popularity, itemknn, ease, content, hybrid.")
    for m in specs:
        if not isinstance(m, (str, Recommender)):
            raise ConfigError(f"models must be names or Recommender objects, got {type(m).__name__}.")
    # a model object given is fitted here as a fresh copy (same class, same settings): the caller's own, fitted or
    # not, is left as it was, not refitted on the split's training data behind their back
    built = [make_model(m) if isinstance(m, str) else fresh_copy(m) for m in specs]
    splits = make_split(dataset, name, seed=seed, **({"shots": shots} if name == "few-shot" else {}))
    splits = splits if isinstance(splits, list) else [splits]
    eligible = [len(s.test_users) for s in splits]
    if max_users is not None:
        if isinstance(max_users, bool) or not isinstance(max_users, (int, np.integer)) or max_users < 1:
            raise ConfigError(f"max_users must be a whole number of at least 1 (or None for all users), got {max_users!r}.")
        splits = [sample_users(s, int(max_users), seed) for s in splits]
    from recengine.models.content import aligned_vectors

    if embeddings is None:
        from recengine.models.content import shared_encoder
        from recengine.text import embed_items

        encoder = encoder or shared_encoder()
        embeddings = embed_items(dataset, encoder)
    else:  # the figures would measure the embeddings of another encoder than the one named, or of other texts
        from recengine.text.embed import same_encoder

        same_encoder(embeddings, encoder)
    # by item id, checked against the dataset's texts: the diversity metric reads them for every model
    vectors = ruler_vectors(dataset, embeddings, aligned_vectors(embeddings, dataset.item_map, texts=dataset.texts))
    if elsewhere := (tuned_elsewhere(encoder, splits[0].train) if any(getattr(m, "reads_text", False) for m in built) else ""):
        warnings.warn(elsewhere, UserWarning, stacklevel=2)
    measured = {id(s): who_is_measured(s, dataset, e) for s, e in zip(splits, eligible)}
    labels = model_labels(built)
    total, rows = len(built) * len(splits), []
    try:
        for i, label in enumerate(labels):
            # the list lets go of each model as it is taken, and the model is dropped once its rows are measured:
            # only the rows outlive it, so EASE's item-by-item weights are freed before the hybrid fits its own
            model, built[i] = built[i], None
            _measure(model, label, splits, name, k, vectors, embeddings, encoder, measured, elsewhere, progress,
                     rows, total)
            del model
    except KeyboardInterrupt as exc:  # Ctrl-C or a polite stop: hand back what was measured, and what was not
        finished, unmeasured = {_row_label(r) for r in rows}, []
        for label in labels:  # a model none of whose rows were measured by its name; else its missing shot counts
            missing = [s.shots for s in splits if _row_label({"model": label, "shots": s.shots}) not in finished]
            unmeasured += [label] if len(missing) == len(splits) else [f"{label} {n}-shot" for n in missing]
        raise EvaluationInterrupted(pd.DataFrame(rows), unmeasured) from exc
    out = pd.DataFrame(rows)
    if splits[0].cut is not None:  # said once for a table whose notes are cut short (the command line's)
        out.attrs["cut"] = splits[0].cut_summary
    return out


def _row_label(row: dict[str, Any]) -> str:
    """A result row's label: its model, and its shot count for few-shot (``content 3-shot``)."""
    return str(row["model"]) + (f" {int(row['shots'])}-shot" if row.get("shots") is not None else "")


def ruler_vectors(dataset: Dataset, embeddings: Any, vectors: np.ndarray) -> np.ndarray:
    """The item vectors the diversity metric reads: the default encoder's, whatever encoder the text models use.

    A fine-tuned encoder draws most items closer together, so its own vectors made every list look less diverse
    (the CLI probe: 0.086 against 0.286 for the same content model's lists): one ruler keeps runs comparable.
    ``vectors`` are ``embeddings`` aligned to the dataset, returned as they are when they are the default's.
    """
    from recengine.models.content import aligned_vectors, shared_encoder
    from recengine.text import embed_items

    base = shared_encoder()
    if str(getattr(embeddings, "fingerprint", "")) == str(base.fingerprint):
        return vectors
    return aligned_vectors(embed_items(dataset, base), dataset.item_map, texts=dataset.texts)


def _measure(model: Any, label: str, splits: list[Split], name: str, k: int, vectors: np.ndarray | None,
             embeddings: Any, encoder: Any, measured: dict[int, str], elsewhere: str, progress: Progress | None,
             rows: list[dict[str, Any]], total: int) -> None:
    """Fit ``model`` on the first split's training data, measure it on each split and append one result row per
    split to ``rows`` (as each is measured: an interrupt keeps the finished shot counts). Nothing here keeps the
    fitted model: its weights are the caller's to drop."""
    from recengine.models.base import Recommender

    done = len(rows)
    stage = None
    if progress:  # a fit can take minutes on a large catalogue (the hybrid's EASE): say which step it is on
        progress(done, total, f"fitting {model.name}")

        def stage(step: int, steps: int, message: str, name: str = model.name, at: int = done) -> None:
            progress(at, total, f"fitting {name}: {Recommender.stage_text(step, steps, message)}")

    model.fit(splits[0].train, embeddings=embeddings, encoder=encoder, progress=stage)
    for split in splits:
        recs = recommend_split(model, split, k)
        row: dict[str, Any] = {"protocol": name, "model": label}
        if split.shots is not None:
            row["shots"] = int(split.shots)
        row.update(split_metrics(recs, split, k, vectors))
        row["fit_seconds"] = float(model.fit_seconds or 0.0)
        row["n_users"] = int(len(split.test_users))
        row["note"] = "; ".join(n for n in (split.cut_summary, few_to_rank(split, k), measured[id(split)],
                                            elsewhere if getattr(model, "reads_text", False) else "") if n)
        if recs.empty and len(split.test_users):  # not 0.0: a model that cannot score is not a model that missed
            for key in (*(f"{m}@{k}" for m in ("recall", "ndcg", "hit", "mrr", "map")), "coverage"):
                row[key] = float("nan")
            row["note"] = (f"cannot score: the held-out items have no interactions and {model.name} ranks by "
                           "interactions only" if split.candidates is not None and not getattr(model, "reads_text", False)
                           else f"{model.name} recommended nothing to any test user")
        rows.append(row)
        done += 1
        if progress:
            progress(done, total, f"{model.name}" + (f" {split.shots}-shot" if split.shots else ""))


def fresh_copy(model: Any) -> Any:
    """An unfitted model of ``model``'s class with its settings (``type(model)(model.config)``); a class whose
    constructor takes something else is deep-copied (fitting the copy replaces what it learned).

    >>> from recengine.models import EASE
    >>> m = EASE(lam=400)
    >>> copy = fresh_copy(m)
    >>> copy is not m, copy.config.lam, copy.is_fitted
    (True, 400.0, False)
    """
    try:
        return type(model)(model.config)
    except Exception:  # a user's subclass with a constructor of its own
        import copy

        return copy.deepcopy(model)


def model_labels(models: Sequence[Any]) -> list[str]:
    """A row label per model: its name, and where two models share a name, the settings that tell them apart
    (``popularity (log=False)``); identical twins are numbered (``ease #2``).

    Examples
    --------
    >>> from recengine.models import EASE, Popularity
    >>> model_labels([Popularity(), Popularity(log=False), EASE(), EASE()])
    ['popularity', 'popularity (log=False)', 'ease', 'ease #2']
    """
    names = [m.name for m in models]
    labels = []
    for m in models:
        label = m.name
        config = getattr(m, "config", None)
        if names.count(m.name) > 1 and config is not None:
            try:
                default = type(config)().model_dump()
            except Exception:  # a config with required settings: no defaults to compare with
                default = {}
            changed = {k: v for k, v in config.model_dump().items() if default.get(k, object()) != v}
            if changed:
                label += " (" + ", ".join(f"{k}={v!r}" if isinstance(v, str) else f"{k}={v}"
                                          for k, v in changed.items()) + ")"
        labels.append(label)
    seen: dict[str, int] = {}
    for i, label in enumerate(labels):
        seen[label] = seen.get(label, 0) + 1
        if seen[label] > 1:
            labels[i] = f"{label} #{seen[label]}"
    return labels


def _finite_or_none(value: Any) -> Any:
    """NaN and infinities (a metric that could not be measured) as None, for JSON and the store."""
    return None if isinstance(value, float) and not np.isfinite(value) else value


def results_json(results: pd.DataFrame, k: int = 10) -> dict[str, Any]:
    """The JSON form of :func:`evaluate`'s table: ``protocol``, ``k`` and ``results`` (one object per row)."""
    protocol = str(results["protocol"].iloc[0]) if len(results) else ""
    records = results.drop(columns=["protocol"]).to_dict(orient="records")
    clean = [{key: _finite_or_none(v) for key, v in r.items()} for r in records]
    return {"protocol": protocol, "k": int(k), "results": clean}


def run_metrics(results: pd.DataFrame) -> dict[str, dict[str, Any]]:
    """:func:`evaluate`'s table as the store keeps a run: ``{"ease": {...}, "content 3-shot": {...}}``.

    >>> run_metrics(pd.DataFrame({"protocol": ["warm"], "model": ["ease"], "ndcg@10": [0.4]}))
    {'ease': {'ndcg@10': 0.4}}
    """
    out: dict[str, dict[str, Any]] = {}
    for r in results.to_dict(orient="records"):
        shots = r.get("shots")
        label = str(r["model"]) + (f" {int(shots)}-shot" if shots is not None and shots == shots else "")
        out[label] = {c: _finite_or_none(v) for c, v in r.items() if c not in ("protocol", "model", "shots")}
    return out
