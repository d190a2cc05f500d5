"""``muster decree …``: check decree files."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from muster.cli.common import err, out
from muster.errors import MusterError
from muster.policy import decree as policy

app = typer.Typer(
    help="Decrees: rule files with versions, checked before use.", no_args_is_help=True
)


@app.command()
def check(
    file: Annotated[Path, typer.Argument(help="A decree file (.yaml).")],
) -> None:
    """Check a decree file: every problem as FILE:LINE:COL, exit 1 if any is an error."""
    if not file.is_file():
        raise MusterError(f"{file}: no such file")
    decree, problems = policy.check_text(file.read_text(encoding="utf-8"), str(file))
    for problem in problems:
        err.print(str(problem), markup=False, highlight=False)
    if decree is None:
        errors = sum(1 for p in problems if not p.warning)
        err.print(f"[bold red]error:[/] {file}: {errors} error(s)", highlight=False)
        raise typer.Exit(1)
    out.print(
        f"{file}: decree {decree.id}, {len(decree.versions)} version(s), OK"
        + (f" with {len(problems)} warning(s)" if problems else "")
    )
    for v in decree.versions:
        kinds = {
            k: sum(1 for r in v.rules if r.kind == k)
            for k in ("criterion", "exemption", "deferral", "exception")
        }
        out.print(
            f"  version {v.number} from {v.effective_from}: target {v.target:,}; "
            f"{kinds['criterion']} criteria, {kinds['exemption']} exemptions, "
            f"{kinds['deferral']} deferrals, {kinds['exception']} exceptions — {v.note}"
        )
