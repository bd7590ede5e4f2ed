"""Typed requests that name a genre: how many of the top 10 hold it, with and without the category labels.

``recengine.text.facets`` lifts the items holding a category label that a request names ("sci-fi" in "a
slow-burning sci-fi film") by the span of the request's cosines, so every item holding all the named labels comes
before every item holding fewer, and the cosine orders them within. This runs sixteen requests, each naming one
MovieLens genre next to a mood or setting word, through the content model and the hybrid (the app's default: it
mixes popularity into a request's list), with their labels and with none (the cosine alone, as before), and prints
the share of each top 10 holding the named genre, and the time one request's scores take either way (median of
20 runs, the request's embedding cached, as in the app).

Measured on CPU (2 cores), MovieLens-100K: mean precision@10 of the named genre 0.712 by cosine alone, 1.000 with
the labels (content model); 0.738 and 1.000 through the hybrid. The worst by cosine: a slow-burning sci-fi film
0.1 (Paris Is Burning, Burnt By the Sun), a twisty mystery 0.3, a big action movie 0.3.

Then two more tables through the content model. Requests that name a genre by another word ("romantic",
"scary", "kids": the encoder's word-to-label cosine reads them, see ``NEAR_LABEL`` in recengine.models.content),
read by their words alone and then by meaning ("science fiction" is read as one): precision@10 0.777 -> 1.000
over thirteen requests. Requests that turn a genre away ("a comedy, no romance", "I don't like horror"): before,
the refused genre was read as asked for and filled 0.812 of the top 10; now 0.000, with the asked genre still at
1.000. And eighteen requests naming no
genre ("movies like Star Wars", "a funny film", "a film about burning cities"): none is read as naming one.
Reading a request is remembered, so a request's scores take 0.03 ms by cosine alone and 0.13 ms with its labels;
the first reading of a new request embeds its content words (about 12 ms on CPU, once).

Run: .venv/bin/python benchmarks/intent_labels.py
"""

from __future__ import annotations

import time

import numpy as np

import recengine
from recengine.models import ContentKNN, Hybrid, Profile
from recengine.models.base import fit_cached
from recengine.text.facets import FacetIndex

REQUESTS = [
    ("a slow-burning sci-fi film", "Sci-Fi"), ("a heartwarming war drama", "War"), ("a dark comedy", "Comedy"),
    ("a creepy horror film", "Horror"), ("an epic western", "Western"), ("a gritty crime film", "Crime"),
    ("a fun musical", "Musical"), ("a scary thriller", "Thriller"), ("a sweet romance", "Romance"),
    ("a twisty mystery", "Mystery"), ("a stylish film noir", "Film-Noir"), ("a moving documentary", "Documentary"),
    ("an animated film for children", "Animation"), ("a big action movie", "Action"),
    ("an adventure on the high seas", "Adventure"), ("a fantasy quest", "Fantasy"),
]


#: Requests that name a genre by another word: the encoder's word-to-label cosine reads them (NEAR_LABEL).
BY_MEANING = [
    ("a romantic evening in", "Romance"), ("something scary", "Horror"), ("a film for the kids", "Children's"),
    ("animated shorts", "Animation"), ("a mysterious stranger", "Mystery"), ("a classic noir", "Film-Noir"),
    ("a dramatic true story", "Drama"), ("a terrifying night", "Horror"), ("old documentaries", "Documentary"),
    ("a comedic road trip", "Comedy"), ("a great battle", "War"), ("old Hollywood musicals", "Musical"),
    ("a science fiction classic", "Sci-Fi"),
]
#: Requests that turn a genre away (asked genre or None, refused genre).
TURNED_AWAY = [
    ("a comedy, no romance", "Comedy", "Romance"), ("a thriller without horror", "Thriller", "Horror"),
    ("an action film but not sci-fi", "Action", "Sci-Fi"), ("I don't like horror", None, "Horror"),
    ("a drama, anything but war", "Drama", "War"), ("a children's film, not animated", "Children's", "Animation"),
    ("no comedies please", None, "Comedy"), ("an adventure rather than a western", "Adventure", "Western"),
]
#: Requests that name no genre: any label read from them is a false match.
NO_LABEL = ["movies like Star Wars", "a film about burning cities", "something with Tom Hanks", "a feel-good film",
            "films from the nineties", "a film set in Paris", "an old classic", "a love story", "a space opera",
            "great cinematography", "a funny film", "a story about a boxer", "something to watch with my dad",
            "a long film", "a short film", "a movie with a twist ending", "a film about a dog", "the best movie ever"]


def _precision(model, request: str, genres, genre: str | None, k: int = 10) -> float:
    top = model.recommend(Profile.from_intent(request), k=k)["item_id"]
    return float(np.mean([genre in genres[i] for i in top])) if genre else float("nan")


def _reads(content, ds, genres) -> None:
    """The second and third tables: labels named by meaning, labels turned away, and requests that name none."""
    from recengine.text.facets import Reading

    labelled = content.facets
    exact = {}  # each request read by its words alone, as before labels could be named by meaning or turned away
    for request, *_ in [*BY_MEANING, *TURNED_AWAY]:
        found = labelled.read(request)
        exact[request] = Reading(found.wanted + found.avoided)
    print(f"\n{'named by meaning':<30}{'genre':<13}{'read as':<36}{'P@10 words':>12}{'P@10 meaning':>14}")
    before, after = [], []
    for request, genre in BY_MEANING:
        content._readings[request] = exact[request]
        p0 = _precision(content, request, genres, genre)
        del content._readings[request]
        p1 = _precision(content, request, genres, genre)
        before.append(p0)
        after.append(p1)
        print(f"{request:<30}{genre:<13}{str(content.intent_summary(request)).split(':')[0][:35]:<36}{p0:>12.2f}{p1:>14.2f}")
    print(f"{'mean':<79}{np.mean(before):>12.3f}{np.mean(after):>14.3f}")
    print(f"\n{'turned away':<38}{'refused':<11}{'refused in top 10: before':>26}{'now':>6}{'asked P@10 before':>19}{'now':>6}")
    rows = []
    for request, genre, refused in TURNED_AWAY:
        content._readings[request] = exact[request]
        was = (_precision(content, request, genres, refused), _precision(content, request, genres, genre))
        del content._readings[request]
        now = (_precision(content, request, genres, refused), _precision(content, request, genres, genre))
        rows.append((*was, *now))
        print(f"{request:<38}{refused:<11}{was[0]:>26.2f}{now[0]:>6.2f}{was[1]:>19.2f}{now[1]:>6.2f}")
    r = np.array(rows)
    print(f"{'mean':<49}{np.nanmean(r[:, 0]):>26.3f}{np.nanmean(r[:, 2]):>6.3f}{np.nanmean(r[:, 1]):>19.3f}{np.nanmean(r[:, 3]):>6.3f}")
    false = {q: content.intent_summary(q) for q in NO_LABEL}
    wrong = {q: s for q, s in false.items() if s}
    print(f"\nrequests naming no genre: {len(NO_LABEL)}; read as naming one: {len(wrong)}"
          + "".join(f"\n  {q}: {s}" for q, s in wrong.items()))


def main() -> None:
    ds = recengine.load_sample("movielens-100k")
    content = ContentKNN().fit(ds)
    hybrid = fit_cached(Hybrid(), ds)  # the app's default model; its content part reads the request
    genres = ds.items.set_index("item_id")["genres"].fillna("").str.split("|")
    rows = []
    for request, genre in REQUESTS:
        profile = Profile.from_intent(request)
        row = {"request": request, "genre": genre}
        for model_name, model, part in (("content", content, content), ("hybrid", hybrid, hybrid.content)):
            labelled = part.facets
            for name, facets in (("cosine", FacetIndex([], labelled.held[:, :0])), ("labels", labelled)):
                part.facets = facets
                top = model.recommend(profile, k=10)["item_id"]
                row[f"{model_name} {name}"] = float(np.mean([genre in genres[i] for i in top]))
                if model is content:
                    times = []
                    for _ in range(20):
                        t = time.perf_counter()
                        content.intent_scores([profile])
                        times.append(time.perf_counter() - t)
                    row[f"{name} ms"] = 1000 * float(np.median(times))
            part.facets = labelled
        rows.append(row)
    cols = ["content cosine", "content labels", "hybrid cosine", "hybrid labels", "cosine ms", "labels ms"]
    print(f"{'request':<34}{'genre':<13}" + "".join(f"{c:>16}" for c in cols))
    for r in rows:
        print(f"{r['request']:<34}{r['genre']:<13}" + "".join(f"{r[c]:>16.2f}" for c in cols))
    mean = {c: float(np.mean([r[c] for r in rows])) for c in cols}
    print(f"{'mean (P@10 of the genre; ms)':<47}" + "".join(f"{mean[c]:>16.3f}" for c in cols))
    print(f"ratio labels / cosine: precision {mean['content labels'] / mean['content cosine']:.2f}x (content), "
          f"{mean['hybrid labels'] / mean['hybrid cosine']:.2f}x (hybrid); time {mean['labels ms'] / mean['cosine ms']:.2f}x")
    _reads(content, ds, genres)


if __name__ == "__main__":
    main()
