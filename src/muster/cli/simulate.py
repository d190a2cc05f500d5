"""``muster simulate``: whole campaigns on a synthetic population, compared side by side."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from pydantic import ValidationError
from rich.table import Table

from muster.cli.common import engine, out, progress_bar
from muster.errors import MusterError
from muster.oversight import report as writer
from muster.oversight import service as oversight
from muster.oversight.schemas import SimulationParameters, SimulationResult
from muster.quotas import apportion as apportionment


def parameters(settings: list[str]) -> SimulationParameters:
    """``NAME=VALUE`` settings over the documented defaults, with clear errors."""
    values: dict[str, str] = {}
    known = SimulationParameters.model_fields
    for item in settings:
        name, sep, value = item.partition("=")
        name = name.strip().replace("-", "_")
        if not sep or not value.strip():
            raise MusterError(f"--set {item!r}: expected NAME=VALUE, e.g. --set no_show=0.2")
        if name not in known:
            raise MusterError(
                f"--set {item!r}: no parameter {name!r}; parameters: {', '.join(known)} "
                "(docs/simulation.md)"
            )
        values[name] = value.strip()
    try:
        return SimulationParameters.model_validate(values)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise MusterError(f"--set {where}={values.get(where)}: {first['msg']}") from None


def _file_or_scenario(ref: str) -> bool:
    return (
        ref == "opaque"
        or ref in apportionment.METHODS
        or Path(ref).suffix in (".yaml", ".yml", ".toml")
        or Path(ref).is_file()
    )


def comparison_table(result: SimulationResult) -> Table:
    t = writer.comparison(result.scenarios)
    table = Table(*t.columns, title=t.title, title_justify="left")
    for row in t.rows:
        table.add_row(*row)
    return table


def simulate(
    ctx: typer.Context,
    decree: Annotated[
        str,
        typer.Option(
            help="Decree file (YAML or TOML), or the id of a decree loaded in the database."
        ),
    ],
    persons: Annotated[int, typer.Option(help="Size of the synthetic population.")] = 200_000,
    days: Annotated[int, typer.Option(help="Days to simulate from the decree's first day.")] = 60,
    seed: Annotated[int, typer.Option(help="Seed: the same seed gives the same result.")] = 1,
    compare: Annotated[
        list[str] | None,
        typer.Option(
            help="What to compare the decree's published formula with (repeatable): "
            "`opaque` (quotas by reach), an apportionment method, or another decree. "
            "Default: opaque.",
        ),
    ] = None,
    target: Annotated[
        int | None,
        typer.Option(help="National target (default: the decree's, scaled to 30 million)."),
    ] = None,
    set_: Annotated[
        list[str] | None,
        typer.Option("--set", help="A parameter NAME=VALUE (repeatable; docs/simulation.md)."),
    ] = None,
    out_dir: Annotated[
        Path | None, typer.Option("--out", help="Also write the report with plots here.")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Run whole campaigns on a synthetic population day by day and compare them: days to
    fulfil per region, burden disparity, wrongful call-ups, peak office load."""
    params = parameters(set_ or [])
    compare = compare if compare is not None else ["opaque"]
    stored = [x for x in [decree, *compare] if not _file_or_scenario(x)]
    eng = engine(ctx) if stored else None  # decrees by id are read from the database
    with progress_bar(enabled=not as_json) as progress:
        result = oversight.simulation(
            eng,
            decree=decree,
            persons=persons,
            days=days,
            seed=seed,
            compare=compare,
            target=target,
            params=params,
            progress=progress,
        )
    if as_json:
        typer.echo(result.model_dump_json(indent=2))
    else:
        out.print(
            f"{result.persons:,} synthetic persons (seed {result.seed}), {result.days} days "
            f"from {result.start}:"
        )
        out.print(comparison_table(result))
    if out_dir is not None:
        files = writer.write(out_dir, simulation=result)
        if not as_json:
            out.print(f"Report with plots written: {files.html}, {files.pdf}.")
