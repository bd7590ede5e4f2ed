"""``python -m recengine.cli`` runs the command line."""

from recengine.cli import run

run()
