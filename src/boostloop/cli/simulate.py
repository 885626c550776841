"""``boostloop simulate``: generate a workspace from a world file, load it, write the truth."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Annotated

import typer

from boostloop.server.settings import get_settings


def simulate(
    world: Annotated[Path | None, typer.Option(help="World file (TOML). Default: the shipped default world.")] = None,
    seed: Annotated[int, typer.Option(help="Random seed: the same seed gives the same data.")] = 7,
    scale: Annotated[float, typer.Option(help="Multiplies posts, boosts and people (50 gives ~10M events).")] = 1.0,
    database_url: Annotated[
        str | None, typer.Option(help="Load into this database (migrated first). Default: BOOSTLOOP_DATABASE_URL.")
    ] = None,
    truth_out: Annotated[Path | None, typer.Option(help="Write the ground truth here (JSON).")] = None,
    events_out: Annotated[
        Path | None, typer.Option(help="Also write the events (clear-text ids) as Parquet, for benchmarks.")
    ] = None,
    slug: Annotated[str | None, typer.Option(help="Workspace slug (default: the world's).")] = None,
    no_load: Annotated[bool, typer.Option("--no-load", help="Generate (and write the truth) without loading.")] = False,
    prepare: Annotated[bool, typer.Option(
        "--prepare", help="After loading, back-fill the boosts' snapshots and run the jobs once, as of the end "
        "of the simulated period (what `boostloop demo` does).")] = False,
) -> None:
    """Generate a simulated workspace with a recorded ground truth."""
    from boostloop.server.db import migrate
    from boostloop.server.db.session import create_db_engine
    from boostloop.simulate import WorldFileError, generate, load_world
    from boostloop.simulate.load import load_into_database

    try:
        w = load_world(world)
    except (WorldFileError, OSError) as exc:
        raise typer.BadParameter(str(exc), param_hint="--world") from None
    t0 = time.perf_counter()
    sim = generate(w, seed, scale=scale)
    t_gen = time.perf_counter() - t0
    typer.echo(
        f"generated {len(sim.posts)} posts, {len(sim.boosts)} boosts, {sim.events.num_rows:,} events "
        f"in {t_gen:.1f} s ({sim.events.num_rows / max(t_gen, 1e-9):,.0f} events/s)"
    )
    if truth_out:
        truth_out.write_text(json.dumps(sim.truth, indent=1), encoding="utf-8")
        typer.echo(f"truth written to {truth_out}")
    if events_out:
        import pyarrow.parquet as pq

        pq.write_table(sim.events, events_out)
        typer.echo(f"events written to {events_out}")
    if no_load:
        return
    url = database_url or get_settings().database_url
    migrate.upgrade(url)
    engine = create_db_engine(url)
    t0 = time.perf_counter()
    ws_id = load_into_database(sim, engine, slug=slug)
    typer.echo(f"loaded workspace {slug or sim.workspace['slug']} ({ws_id}) in {time.perf_counter() - t0:.1f} s")
    if prepare:
        from boostloop.cli.serve import prepare_workspace

        prepare_workspace(engine, ws_id, now=sim.end)
    engine.dispose()
