"""The evaluation table as the app shows it: which row is which stays on screen; the CSV keeps everything."""

from __future__ import annotations

import pandas as pd

from ui.downloads import results_view


def test_few_shot_rows_say_their_profile_size_first_and_empty_columns_go():
    frame = pd.DataFrame({
        "protocol": ["warm", "few-shot", "few-shot"], "model": ["ease", "ease", "ease"],
        "recall@10": [0.2381234, 0.07, 0.08], "coverage": [0.2, 0.1, 0.1], "note": [None, None, None],
        "shots": [None, 1.0, 3.0],
    })
    view, config, order = results_view(frame)
    assert order == ["protocol", "model", "shots", "recall@10", "coverage"]
    assert view["shots"].tolist() == ["", "1", "3"]
    assert config["recall@10"]["type_config"]["format"] == "%.3f"
    assert frame["shots"].isna().iloc[0] and frame["recall@10"].iloc[0] == 0.2381234  # the caller's table untouched
