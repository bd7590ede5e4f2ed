"""``recengine.explain`` is the function and the package at once, whatever the order of the imports."""

from __future__ import annotations

import subprocess
import sys

import pytest

ORDERS = {
    "the attribute first": "import recengine\nf = recengine.explain\nimport recengine.explain as ex\n",
    "the package first": "import recengine.explain as ex\nimport recengine\nf = recengine.explain\n",
    "from-import first": "from recengine.explain import explain_many\nimport recengine\nf = recengine.explain\nimport recengine.explain as ex\n",
}


@pytest.mark.parametrize("order", list(ORDERS))
def test_recengine_explain_is_callable_and_holds_the_package(order):
    code = ORDERS[order] + (
        "assert callable(f) and callable(ex)\n"
        "assert ex.explain_many is recengine.explain.explain_many\n"
        "from recengine.explain import explain\n"
        "assert f.__call__ and ex is recengine.explain\n"
        "print('ok')\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0 and out.stdout.strip() == "ok", out.stderr[-2000:]
