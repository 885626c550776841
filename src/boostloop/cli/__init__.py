"""The ``boostloop`` command line (Typer). Each command group lives in its own module."""

from __future__ import annotations

import typer

from boostloop.cli import admin as admin_cli
from boostloop.cli import attribution as attribution_cli
from boostloop.cli import boosts as boosts_cli
from boostloop.cli import db as db_cli
from boostloop.cli import docs as docs_cli
from boostloop.cli import experiments as experiments_cli
from boostloop.cli import importers as importers_cli
from boostloop.cli import learning as learning_cli
from boostloop.cli import serve as serve_cli
from boostloop.cli import simulate as simulate_cli

app = typer.Typer(help="Boostloop: did boosting pay off, and what to boost next.", no_args_is_help=True)
app.add_typer(db_cli.app, name="db")
app.add_typer(docs_cli.app, name="docs")
app.add_typer(experiments_cli.app, name="experiments")
app.add_typer(boosts_cli.app, name="boosts")
app.add_typer(learning_cli.app, name="learning")
app.add_typer(attribution_cli.app, name="attribution")
app.command("serve")(serve_cli.serve)
app.command("demo")(serve_cli.demo)
app.command("simulate")(simulate_cli.simulate)
admin_cli.register(app)
importers_cli.register(app)


def main() -> None:
    app()
