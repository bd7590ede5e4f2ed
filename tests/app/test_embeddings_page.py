"""AppTest of the Embeddings page on the sample with the real default encoder."""

from __future__ import annotations

from tests.app.conftest import assert_clean


def test_embeddings_page_maps_and_compares_items(run_page):
    at = run_page("pages/2_Embeddings.py")
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Items embedded"] == "1,682" and metrics["Dimensions"] == "384"
    assert {s.label for s in at.selectbox} >= {"Encoder", "Device", "Colour by"}
    assert len(at.get("plotly_chart")) == 2  # the map and the heatmap
    chosen = at.multiselect(key="emb_items")
    assert len(chosen.value) == 6
    chosen.set_value(chosen.value[:1]).run()
    assert_clean(at)
    assert len(at.get("plotly_chart")) == 1 and "at least two" in at.info[0].value
    at.selectbox(key="emb_colour").set_value("cold or warm").run()
    assert_clean(at)
    assert len(at.get("plotly_chart")) == 1
    again = {m.label: m.value for m in run_page("pages/2_Embeddings.py").metric}  # a later visit encodes nothing
    assert again["Encoded now"] == "0" and again["From cache"] == "1,682"


def test_colour_by_skips_a_column_unique_to_each_item():
    """A second id or a name colours nothing; a column that groups items does."""
    import pandas as pd
    from streamlit.testing.v1 import AppTest

    import recengine
    from tests.app.conftest import page_path

    items = pd.DataFrame({"track": [f"t{i}" for i in range(8)], "name": [f"Song {i}" for i in range(8)],
                          "mood": ["calm", "loud"] * 4, "blurb": [f"a song about thing {i}" for i in range(8)]})
    inter = pd.DataFrame({"listener": list("aabbccdd") * 2, "track": [f"t{i % 8}" for i in range(16)]})
    ds = recengine.read_dataset(inter, items=items, text="{blurb}", name="songs")
    assert {"name", "mood"} <= set(ds.items.columns)
    at = AppTest.from_file(page_path("pages/2_Embeddings.py"), default_timeout=120)
    at.session_state["dataset"], at.session_state["dataset_key"] = ds, "upload:songs"
    at.run()
    assert_clean(at)
    assert at.selectbox(key="emb_colour").value == "mood"


def test_a_fine_tune_of_other_data_is_labelled_and_not_compared_as_this_datas(run_page, tiny, encoder):
    """A real (tiny) fine-tune of another dataset is listed with that dataset's name, and no side-by-side is drawn."""
    from recengine.store import open_store
    from recengine.text import FineTuneConfig, finetune

    enc = finetune(tiny, encoder, FineTuneConfig(epochs=1, batch_size=4, neighbors=2, device="cpu", max_seq_length=16,
                                                 alpha=1.0, guard=False))
    open_store().record_finetune(enc.fingerprint, "default", enc.manifest["config"], {}, path=enc.path)
    at = run_page("pages/2_Embeddings.py")
    encoders = at.selectbox(key="emb_encoder")
    labels = list(encoders.options)  # what the user reads (the formatted labels)
    assert len(labels) >= 2 and any(f"fine-tuned on {tiny.name}" in str(lab) for lab in labels), labels
    assert not any("a tab for each" in c.value for c in at.caption)
    assert len(at.get("plotly_chart")) == 2  # one map, one heatmap: nothing drawn as "fine-tuned"


def test_data_without_text_says_so_instead_of_drawing_an_empty_map():
    import pandas as pd
    from streamlit.testing.v1 import AppTest

    import recengine
    from tests.app.conftest import page_path

    ds = recengine.read_dataset(pd.DataFrame({"visitor": ["a", "a", "b"], "article": ["x", "y", "x"]}), name="clicks")
    for path in ("pages/2_Embeddings.py", "pages/5_Cold-start_lab.py"):
        at = AppTest.from_file(page_path(path), default_timeout=120)
        at.session_state["dataset"], at.session_state["dataset_key"] = ds, "upload:clicks"
        at.run()
        assert_clean(at)
        assert any("No item in this dataset has text" in i.value for i in at.info), path
        assert not at.get("plotly_chart")


def test_item_texts_cut_to_the_models_limit_are_pointed_out():
    import uuid

    import pandas as pd
    from streamlit.testing.v1 import AppTest

    import recengine
    from tests.app.conftest import page_path

    summary = f"{uuid.uuid4()} " + "A tangled family saga across three generations of orchard growers. " * 40
    items = pd.DataFrame({"sku": ["x", "y"], "name": ["Orchard", "Harbour"], "blurb": [summary, "A short harbour story."]})
    ds = recengine.read_dataset(pd.DataFrame({"shopper": ["a", "a", "b"], "sku": ["x", "y", "x"]}), items=items, name="saga")
    at = AppTest.from_file(page_path("pages/2_Embeddings.py"), default_timeout=120)
    at.session_state["dataset"], at.session_state["dataset_key"] = ds, "upload:saga"
    at.run()
    assert_clean(at)
    notes = [i.value for i in at.info if "longer than" in i.value]
    assert notes and notes[0].startswith("1 of 2 item texts") and "256 tokens" in notes[0], [i.value for i in at.info]


def test_colour_by_starts_on_the_label_column_a_request_can_name():
    """Subjects written as lists ("Fantasy|Young adult") have many distinct cells but few labels: the map was coloured
    by popularity, one colour from edge to edge, while the Data page named subjects as the labels to ask for."""
    import itertools

    import pandas as pd
    from streamlit.testing.v1 import AppTest

    import recengine
    from tests.app.conftest import page_path

    labels = ["Fantasy", "Romance", "Cooking", "History", "Science", "War"]
    combos = [*labels, *("|".join(p) for p in itertools.combinations(labels, 2))]  # 21 cells, 6 labels
    items = pd.DataFrame({"isbn": [f"b{i}" for i in range(36)], "book_title": [f"Book {i}" for i in range(36)],
                          "subjects": [combos[i % 21] for i in range(36)], "blurb": [f"a story number {i}" for i in range(36)]})
    inter = pd.DataFrame({"customer": [f"c{i % 20}" for i in range(120)], "isbn": [f"b{(i * 7) % 36}" for i in range(120)]})
    ds = recengine.read_dataset(inter, items=items, name="books")
    assert "subjects" in dict(ds.facets.sources)
    at = AppTest.from_file(page_path("pages/2_Embeddings.py"), default_timeout=120)
    at.session_state["dataset"], at.session_state["dataset_key"] = ds, "upload:books"
    at.run()
    assert_clean(at)
    assert at.selectbox(key="emb_colour").value == "subjects"


def _tiny_model(folder, base_dir):
    """A one-layer, 32-dimension sentence-transformers model with the default encoder's tokenizer: a model of
    the visitor's own, quick to embed the sample with."""
    import torch
    from sentence_transformers import SentenceTransformer, models
    from transformers import AutoTokenizer, BertConfig, BertModel

    torch.manual_seed(0)
    tok = AutoTokenizer.from_pretrained(str(base_dir))
    cfg = BertConfig(vocab_size=tok.vocab_size, hidden_size=32, num_hidden_layers=1, num_attention_heads=2,
                     intermediate_size=64, max_position_embeddings=128)
    BertModel(cfg).save_pretrained(str(folder / "hf"))
    tok.save_pretrained(str(folder / "hf"))
    word = models.Transformer(str(folder / "hf"), max_seq_length=32)
    SentenceTransformer(modules=[word, models.Pooling(32)]).save(str(folder / "mine"))
    return folder / "mine"


def _type_into(box, text: str):
    """What a visitor's typing into a box that takes new options sends (AppTest picks listed options only)."""
    box.options.append(text)
    return box.set_value(text)


def test_a_visitor_types_the_folder_of_their_own_model(run_page, tmp_path, encoder, request):
    """The encoder box offered only the default and fine-tunes: 'any model name or local path' failed in the app."""
    from ui.engine import own_models

    request.addfinalizer(own_models.clear)  # other tests see the choices a fresh app offers
    at = run_page("pages/2_Embeddings.py")
    _type_into(at.selectbox(key="emb_encoder"), str(tmp_path / "no such model")).run()
    assert_clean(at)
    assert "cannot be used as an encoder" in at.error[0].value and "does not exist" in at.error[0].value
    assert at.selectbox(key="emb_encoder").value == "default"  # the encoder in use stays
    assert {m.label: m.value for m in at.metric}["Dimensions"] == "384"

    mine = _tiny_model(tmp_path, encoder.path)
    _type_into(at.selectbox(key="emb_encoder"), str(mine)).run()
    assert_clean(at)
    assert not at.error
    assert {m.label: m.value for m in at.metric}["Dimensions"] == "32"
    assert at.session_state["encoder_name"] == str(mine)
    assert any(o.startswith("mine · 32 dimensions") for o in at.selectbox(key="emb_encoder").options)
    assert at.query_params["encoder"] in (str(mine), [str(mine)])  # a refresh finds it again while the app runs


def test_an_operator_can_keep_visitors_to_the_apps_own_encoders(run_page, tmp_path, encoder, request, monkeypatch):
    """On a shared server a typed path makes the server look at its own disk: RECENGINE_APP_OWN_MODELS=0 stops it."""
    from ui.engine import own_models

    request.addfinalizer(own_models.clear)
    monkeypatch.setenv("RECENGINE_APP_OWN_MODELS", "0")
    mine = _tiny_model(tmp_path, encoder.path)
    at = run_page("pages/2_Embeddings.py")
    _type_into(at.selectbox(key="emb_encoder"), str(mine)).run()
    assert_clean(at)
    assert "only its own encoders" in at.error[0].value and "does not exist" not in at.error[0].value
    assert at.selectbox(key="emb_encoder").value == "default" and str(mine) not in own_models()
    assert {m.label: m.value for m in at.metric}["Dimensions"] == "384"
