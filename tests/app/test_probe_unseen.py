"""Found by a probe with a user's own shop log: uploads hash user ids by default, and the large user picker's search
then knew only the hashes, so an analyst who typed their own customer id (C000042) was told no user matches."""

from __future__ import annotations

import numpy as np
import pandas as pd

from tests.app.conftest import assert_clean, page_path
from ui.state import PICKER_LIMIT

RECOMMEND = "pages/4_Recommend.py"


def _hashed_shop():
    """More customers than the picker lists, ids hashed with this home's salt, as the Data page loads an upload."""
    import recengine

    n = PICKER_LIMIT + 200
    users = np.repeat([f"C{u:06d}" for u in range(n)], 2)
    inter = pd.DataFrame({"customer_id": users, "sku": [f"SKU-{i % 50:03d}" for i in range(len(users))]})
    items = pd.DataFrame({"sku": [f"SKU-{i:03d}" for i in range(50)], "name": [f"Thing {i}" for i in range(50)]})
    return recengine.read_dataset(inter, items, hash_user_ids=True, name="shop")


def test_a_customer_id_typed_into_the_search_finds_its_hashed_user():
    from streamlit.testing.v1 import AppTest

    from recengine.data.load import hash_user_id
    from recengine.settings import local_salt

    ds = _hashed_shop()
    wanted = hash_user_id("C005123", local_salt())
    assert wanted in ds.user_map and "C005123" not in ds.user_map
    at = AppTest.from_file(page_path(RECOMMEND), default_timeout=180)
    at.session_state["dataset"], at.session_state["dataset_key"] = ds, "upload:probe-hashed"
    at.session_state["rec_model"] = "popularity"
    at.run()
    assert_clean(at)
    at.text_input(key="rec_user_find").set_value("C005123").run()
    assert_clean(at)
    assert not [w for w in at.warning if "No user id matches" in w.value], [w.value for w in at.warning]
    assert at.selectbox(key="rec_user").value == wanted
    assert at.header[0].value.replace("\\_", "_").startswith(f"Top 10 for user {wanted} ")
