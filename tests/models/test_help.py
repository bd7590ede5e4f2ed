"""help() on a model shows what a user can set: every hyperparameter, its default and what it means, written from
the model's pydantic config, so that the help cannot drift from what the model accepts."""

from __future__ import annotations

import inspect
import pydoc

import pydantic
import pytest

from recengine.models import MODEL_NAMES, MODELS, ModelConfig, Popularity, make_model


@pytest.mark.parametrize("name", MODEL_NAMES)
def test_help_lists_every_setting_with_its_default_and_meaning(name):
    cls = MODELS[name]
    text = pydoc.render_doc(cls, renderer=pydoc.plaintext)
    fields = cls.config_class.model_fields
    assert fields
    for field_name, field in fields.items():
        assert field.description, f"{cls.config_class.__name__}.{field_name} has no description"
        assert f"{field_name} : " in cls.__doc__ and f"default {field.default!r}" in cls.__doc__
        assert field.description.split()[0] in text
    # the settings come before the examples, and the signature names them with their defaults
    assert cls.__doc__.index("Parameters") < cls.__doc__.index("Examples")
    params = inspect.signature(cls).parameters
    assert list(params)[1:] == list(fields)
    assert all(params[f].default == fields[f].default for f in fields)
    # the config class says the same
    assert all(f"{f} : " in cls.config_class.__doc__ for f in fields)


def test_make_model_lists_the_models_and_their_settings():
    doc = make_model.__doc__
    for name in MODEL_NAMES:
        cls = MODELS[name]
        assert f"``{name}`` ({cls.__name__}): " in doc
        assert all(f"{f}=" in doc for f in cls.config_class.model_fields)
    assert "lam=300.0" in doc and doc.index("Settings by model") < doc.index("Examples")


def test_a_users_own_model_gets_the_same_help():
    class ShyConfig(ModelConfig):
        """Settings of Shy."""

        boldness: float = pydantic.Field(0.5, description="How bold it is.")

    class Shy(Popularity):
        """A quieter popularity.

        Examples
        --------
        >>> Shy(boldness=0.1).config.boldness
        0.1
        """

        config_class = ShyConfig

    assert "boldness : float, default 0.5\n    How bold it is." in inspect.cleandoc(Shy.__doc__)
    assert Shy.__doc__.index("boldness") < Shy.__doc__.index("Examples")
    assert "boldness : float, default 0.5" in ShyConfig.__doc__
    assert str(inspect.signature(Shy)) == "(config=None, *, boldness: float = 0.5)"
