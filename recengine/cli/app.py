"""``recengine app``: open the Streamlit app."""

from __future__ import annotations

import argparse
import math
import subprocess
import sys

from recengine.errors import ConfigError
from recengine.settings import app_root, max_file_bytes

ORDER = 1


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("app", help="open the Streamlit app (starts on the MovieLens-100K sample)")
    p.add_argument("--port", type=int, default=8501, help="port to serve on (default 8501)")
    p.add_argument("--host", default="localhost", help="address to serve on (default localhost)")
    p.set_defaults(func=cmd_app)


def cmd_app(args: argparse.Namespace) -> int:
    app = app_root() / "app.py"
    if not app.exists():
        raise ConfigError(f"the app is not installed here ({app} is missing); reinstall recengine "
                          "(its wheel carries the app) or run `make app` in its source checkout.")
    # the upload box takes what the readers take: $RECENGINE_MAX_FILE_MB, not the config file's 500 alone
    upload_mb = max(1, math.ceil(max_file_bytes() / 2**20))
    cmd = [sys.executable, "-m", "streamlit", "run", str(app), "--server.port", str(args.port),
           "--server.address", args.host, "--server.maxUploadSize", str(upload_mb)]
    print(f"recengine app: http://{args.host}:{args.port}", file=sys.stderr)
    return subprocess.call(cmd, cwd=str(app_root()))
