"""Colours that must stay apart for colour-blind eyes too: the signs of a SHAP chart and the values of a map.

Each colour is seen as a deuteranope or protanope sees it (Machado, Oliveira and Fernandes 2009, severity 1) and
compared in CIELAB (delta E 1976): about 2.3 is the least difference an eye notices, 10 or so is plain at a glance.
"""

from __future__ import annotations

import itertools

import numpy as np

from recengine.figures import embeddings as fe
from recengine.figures.style import NEGATIVE, NEUTRAL, POSITIVE

VISION = {
    "normal": np.eye(3),
    "deuteranopia": np.array([[0.367322, 0.860646, -0.227968], [0.280085, 0.672501, 0.047413],
                              [-0.011820, 0.042940, 0.968881]]),
    "protanopia": np.array([[0.152286, 1.052583, -0.204868], [0.114503, 0.786281, 0.099216],
                            [-0.003882, -0.048116, 1.051998]]),
}


def _linear(colour: str) -> np.ndarray:
    c = np.array([int(colour[i:i + 2], 16) for i in (1, 3, 5)]) / 255
    return np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)


def _lab(rgb: np.ndarray) -> np.ndarray:
    xyz = np.array([[0.4124, 0.3576, 0.1805], [0.2126, 0.7152, 0.0722], [0.0193, 0.1192, 0.9505]]) @ np.clip(rgb, 0, 1)
    f = xyz / np.array([0.95047, 1.0, 1.08883])
    f = np.where(f > 0.008856, np.cbrt(f), 7.787 * f + 16 / 116)
    return np.array([116 * f[1] - 16, 500 * (f[0] - f[1]), 200 * (f[1] - f[2])])


def closest(colours: list[str]) -> dict[str, float]:
    """The smallest difference between any two of ``colours``, as each kind of eye sees them."""
    return {eye: min(float(np.linalg.norm(_lab(m @ _linear(a)) - _lab(m @ _linear(b))))
                     for a, b in itertools.combinations(colours, 2)) for eye, m in VISION.items()}


def test_the_simulation_knows_red_and_green_merge_for_deuteranopes():
    seen = closest(["#16A34A", "#DC2626"])  # the SHAP colours before: green and red
    assert seen["normal"] > 100 and seen["deuteranopia"] < 25


def test_shap_signs_stay_far_apart_for_every_eye():
    assert min(closest([POSITIVE, NEGATIVE]).values()) > 60


def test_map_values_stay_apart_for_every_eye_and_each_has_its_own_shape():
    assert min(closest([*fe._CATEGORICAL, NEUTRAL]).values()) > 15
    labels = [f"g{i % 12}" for i in range(60)]
    fig = fe.embedding_map(np.zeros((60, 2)), [str(i) for i in range(60)], color=labels, color_name="genre")
    symbols = [t.marker.symbol for t in fig.data if not t.name.startswith("other")]
    assert len(symbols) == 9 and len(set(symbols)) == 9


def _contrast(a: str, b: str) -> float:
    lum = sorted(float(np.array([0.2126, 0.7152, 0.0722]) @ _linear(c)) for c in (a, b))
    return (lum[1] + 0.05) / (lum[0] + 0.05)


def test_the_similarity_matrix_numbers_read_on_every_cell():
    """White numbers on mid blues read at 3.1:1; every colour of the scale now gives the numbers 4.5:1 or more."""
    fig = fe.similarity_heatmap(np.array([[1.0, 0.5], [0.5, 1.0]]), ["a", "b"], "t")
    trace = fig.data[0]
    colours = [c for _, c in trace.colorscale]
    assert trace.texttemplate and min(_contrast(trace.textfont.color, c) for c in colours) >= 4.5
    assert _contrast("#FFFFFF", "#6BAED6") < 3  # the check knows a failing pair
