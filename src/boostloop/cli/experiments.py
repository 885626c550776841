"""``boostloop experiments plan|analyse``: size an A/B test of boost strategies, or read one's verdict."""

from __future__ import annotations

import json
import uuid
from typing import Annotated

import typer

from boostloop.analytics.experiments import sample_size_means, sample_size_proportions
from boostloop.server.settings import get_settings

app = typer.Typer(help="A/B tests of boost strategies.", no_args_is_help=True)

DatabaseUrl = Annotated[
    str | None, typer.Option("--database-url", help="Default: BOOSTLOOP_DATABASE_URL or ./boostloop.db")
]


@app.command()
def plan(
    rate: Annotated[
        float | None, typer.Option(help="Control conversion rate (fraction), for a rate metric.")
    ] = None,
    mde: Annotated[float, typer.Option(help="Smallest change worth detecting (see --relative).")] = 0.1,
    relative: Annotated[
        bool, typer.Option(help="MDE is relative (0.1 = +10 %) rather than absolute.")
    ] = True,
    sd: Annotated[
        float | None, typer.Option(help="Per-person sd of a continuous metric (instead of --rate).")
    ] = None,
    alpha: float = 0.05,
    power: float = 0.8,
    variants: Annotated[int, typer.Option(help="Number of variants including the control.")] = 2,
) -> None:
    """People per variant needed (fixed-horizon, pooled z or t test; alpha split over the treatments)."""
    if (rate is None) == (sd is None):
        raise typer.BadParameter("give exactly one of --rate (rate metric) or --sd (continuous metric)")
    comparisons = max(1, variants - 1)
    if rate is not None:
        result = sample_size_proportions(
            rate, mde, relative=relative, alpha=alpha, power=power, comparisons=comparisons
        )
    else:
        result = sample_size_means(mde, sd, alpha=alpha, power=power, comparisons=comparisons)
    typer.echo(
        json.dumps(
            {
                "n_per_variant": result.n_control,
                "power": round(result.power, 4),
                "alpha_per_comparison": result.alpha,
                "method": result.method,
                "note": result.note,
                "sequential_note": "an always-valid (mSPRT) test read daily needs more; see benchmarks/RESULTS.md",
            },
            indent=2,
        )
    )


@app.command()
def analyse(
    experiment_id: uuid.UUID,
    workspace: Annotated[str, typer.Option(help="Workspace slug.")],
    database_url: DatabaseUrl = None,
) -> None:
    """Print the analysis and decision of one experiment as JSON."""
    import sqlalchemy as sa

    from boostloop.errors import BoostloopError
    from boostloop.server.db.models import Workspace
    from boostloop.server.db.session import create_db_engine, session_scope
    from boostloop.server.experiments import service

    engine = create_db_engine(database_url or get_settings().database_url)
    try:
        with session_scope(engine) as session:
            ws_id = session.scalar(sa.select(Workspace.id).where(Workspace.slug == workspace))
            if ws_id is None:
                raise typer.BadParameter(f"no workspace with slug {workspace!r}", param_hint="--workspace")
            try:
                analysis = service.analyse_experiment(session, ws_id, experiment_id)
            except BoostloopError as exc:
                typer.echo(exc.detail, err=True)
                raise typer.Exit(1) from None
            typer.echo(analysis.model_dump_json(indent=2))
    finally:
        engine.dispose()
