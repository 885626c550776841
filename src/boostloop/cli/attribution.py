"""``boostloop attribution paths FILE --model M``: credit per channel from a ChannelAttribution path file.

The file is ChannelAttribution's input format: a header, then one row per path,
``path;total_conversions;total_conversion_value;total_null`` (value and null columns optional), channels
inside ``path`` separated by ``--sep`` (default ``>``; spaces around names are ignored).
"""

from __future__ import annotations

import csv
import json
import sys
from pathlib import Path
from typing import Annotated

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv
import typer

from boostloop.analytics.attribution import MODELS, PathTable, attribute

app = typer.Typer(help="Multi-touch attribution.", no_args_is_help=True)

PATH_COL, CONV_COL, VALUE_COL, NULL_COL = "path", "total_conversions", "total_conversion_value", "total_null"


def read_path_file(file: Path, *, sep: str = ">", delimiter: str = ";") -> PathTable:
    """Parse a ChannelAttribution path file into a :class:`PathTable`; a bad file raises ``ValueError``
    naming the line and column."""
    try:
        table = pacsv.read_csv(
            file,
            parse_options=pacsv.ParseOptions(delimiter=delimiter),
            convert_options=pacsv.ConvertOptions(
                column_types={PATH_COL: pa.string(), CONV_COL: pa.float64(), VALUE_COL: pa.float64(), NULL_COL: pa.float64()}
            ),
        )
    except pa.ArrowInvalid as exc:
        raise ValueError(f"{file}: {_locate(file, delimiter) or exc}") from None
    missing = [c for c in (PATH_COL, CONV_COL) if c not in table.column_names]
    if missing:
        raise ValueError(f"{file}: line 1: missing column(s) {', '.join(missing)} (have {', '.join(table.column_names)})")
    n = table.num_rows

    def col(name: str) -> np.ndarray:
        if name not in table.column_names:
            return np.zeros(n)
        arr = table.column(name)
        if arr.null_count:
            row = int(np.flatnonzero(arr.is_null().to_numpy(zero_copy_only=False))[0])
            raise ValueError(f"{file}: line {row + 2}, column {name}: empty value")
        out = arr.to_numpy()
        bad = np.flatnonzero(~np.isfinite(out) | (out < 0))
        if len(bad):
            raise ValueError(f"{file}: line {bad[0] + 2}, column {name}: must be a number >= 0, got {out[bad[0]]}")
        return out

    conv, value, nulls = col(CONV_COL), col(VALUE_COL), col(NULL_COL)
    try:
        return PathTable.from_strings(table.column(PATH_COL), conv, value, nulls, sep=sep)
    except ValueError as exc:
        msg = str(exc)
        if msg.startswith("row "):
            row, _, rest = msg[4:].partition(":")
            msg = f"line {int(row) + 2}, column {PATH_COL}:{rest}"
        raise ValueError(f"{file}: {msg}") from None


def _locate(file: Path, delimiter: str) -> str | None:
    """Line and column of the first unreadable number (the slow path, only after a failed fast read)."""
    with open(file, newline="", encoding="utf-8") as fh:
        reader = csv.reader(fh, delimiter=delimiter)
        header = next(reader, [])
        for line, row in enumerate(reader, start=2):
            if len(row) != len(header):
                return f"line {line}: {len(row)} fields, the header has {len(header)}"
            for name, cell in zip(header, row):
                if name in (CONV_COL, VALUE_COL, NULL_COL):
                    try:
                        float(cell)
                    except ValueError:
                        return f"line {line}, column {name}: not a number: {cell!r}"
    return None


@app.command("paths")
def paths(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="ChannelAttribution path file")],
    model: Annotated[str, typer.Option("--model", "-m", help=f"One of: {', '.join(MODELS)}")] = "markov",
    sep: Annotated[str, typer.Option("--sep", help="Channel separator inside a path")] = ">",
    order: Annotated[int, typer.Option("--order", "-k", help="Markov order (1-4)")] = 1,
    fmt: Annotated[str, typer.Option("--format", "-f", help="csv or json")] = "csv",
    delimiter: Annotated[str, typer.Option("--delimiter", help="Column delimiter of the file")] = ";",
) -> None:
    """Credit per channel under MODEL, printed as CSV (channel,conversions,value) or one JSON object."""
    if model not in MODELS:
        raise typer.BadParameter(f"unknown model {model!r}; one of {', '.join(MODELS)}", param_hint="--model")
    if model == "time_decay":
        raise typer.BadParameter("time_decay needs touch times, which path files do not carry", param_hint="--model")
    if fmt not in ("csv", "json"):
        raise typer.BadParameter("csv or json", param_hint="--format")
    if not 1 <= order <= 4:
        raise typer.BadParameter("1 to 4", param_hint="--order")
    try:
        table = read_path_file(file, sep=sep, delimiter=delimiter)
    except ValueError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None
    result = attribute(table, model, order=order)
    if fmt == "json":
        typer.echo(json.dumps({
            "model": model,
            "channels": [{"channel": c.channel, "conversions": c.conversions, "value": c.value} for c in result.credits],
        }))
        return
    writer = csv.writer(sys.stdout, lineterminator="\n")
    writer.writerow(["channel", "conversions", "value"])
    for c in result.credits:
        writer.writerow([c.channel, repr(c.conversions), repr(c.value)])
