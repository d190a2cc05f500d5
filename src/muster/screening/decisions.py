"""Reading stored screens and decisions: the latest screen, a sample person, the eligible pool
by region, persons with their latest decision, which of some persons are eligible; deciding
some persons now, on the registry data in the caller's transaction, with or without storing
the result (``redecide``), and explaining one of them. Quotas and selection read decisions
through these.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from datetime import date
from typing import Any

import polars as pl
from sqlalchemy import Connection, Engine, delete, select, text

from muster.db import bulk
from muster.db.apart import Span
from muster.db.engine import get_engine
from muster.errors import MusterError
from muster.policy import decree as policy
from muster.policy.carry import read_bits
from muster.policy.engine import decide_frame
from muster.policy.engine import explain as explain_one
from muster.policy.fields import INPUT_COLUMNS
from muster.policy.schemas import Explanation
from muster.registry import reading
from muster.registry.schemas import ColumnSpec
from muster.screening import grants
from muster.screening.models import Decision, Screen
from muster.screening.schemas import ScreenRead

_DECREE_ID = re.compile(r"[a-z0-9][a-z0-9-]*")
COLUMNS = tuple(dict.fromkeys(("region_code", *INPUT_COLUMNS)))


def latest_screen(engine: Engine, *, decree_id: str) -> ScreenRead | None:
    """The newest screen of a decree (whole or incremental), or None if it was never run."""
    with engine.connect() as conn:
        row = conn.execute(
            select(Screen).where(Screen.decree_id == decree_id).order_by(Screen.id.desc()).limit(1)
        ).first()
    if row is None:
        return None
    s = row
    return ScreenRead(
        screen_id=s.id, decree=s.decree_id, version=s.version, as_of=s.as_of, persons=s.persons
    )


def sample_person(engine: Engine, *, decree_id: str, decision: str) -> str | None:
    """The national id of one person with the given stored decision, for demonstrations."""
    with engine.connect() as conn:
        row = conn.execute(
            text(
                "SELECT p.national_id FROM decisions d JOIN persons p ON p.id = d.person_id "
                "WHERE d.decree_id = :d AND d.decision = :k ORDER BY d.person_id LIMIT 1"
            ),
            {"d": decree_id, "k": decision},
        ).first()
    return None if row is None else str(row[0])


def pool_by_region(engine: Engine, *, decree_id: str) -> dict[str, int]:
    """Persons whose latest decision under the decree is ``eligible``, counted by region."""
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT p.region_code, count(*) FROM decisions d "
                "JOIN persons p ON p.id = d.person_id "
                "WHERE d.decree_id = :d AND d.decision = 'eligible' GROUP BY p.region_code"
            ),
            {"d": decree_id},
        ).all()
    return {str(r[0]): int(r[1]) for r in rows}


_DECISION = ColumnSpec("decision", "text")


def decided_frames(
    engine: Engine,
    *,
    decree_id: str,
    columns: Sequence[str],
    eligible_only: bool = False,
    chunk: int = reading.CHUNK,
    span: Span | None = None,
) -> Iterator[pl.DataFrame]:
    """Persons with the given fields and their latest ``decision`` under the decree (null if
    never screened), in id order, ``chunk`` a frame; only the eligible ones if
    ``eligible_only``, only ids in ``span`` if given."""
    if not _DECREE_ID.fullmatch(decree_id):
        raise MusterError(f"{decree_id!r} is not a decree id")
    kind = "JOIN" if eligible_only else "LEFT JOIN"
    extra = " AND d.decision = 'eligible'" if eligible_only else ""
    yield from reading.person_frames(
        engine,
        columns=columns,
        join=f"{kind} decisions d ON d.person_id = p.id AND d.decree_id = '{decree_id}'{extra}",
        joined=[("d.decision", _DECISION)],
        chunk=chunk,
        span=span,
        # The eligible are found through the decisions' key (decree, person): cut the pages
        # on the decisions' person id and SQLite reads them in that order. Cut on ``p.id``, it
        # sorted every eligible person after the page's start again for each page.
        key="d.person_id" if eligible_only else "p.id",
    )


def decided_frames_at(
    url: str, *, spans: Sequence[Span], decree_id: str, columns: Sequence[str], eligible_only: bool
) -> Iterator[pl.DataFrame]:
    """One frame of ``decided_frames`` per span of ids, of the database at ``url``: what a
    reading process runs."""
    engine = get_engine(url)
    for span in spans:
        frames = decided_frames(
            engine, decree_id=decree_id, columns=columns, eligible_only=eligible_only, span=span
        )
        yield reading.one_frame(frames)


def eligible_ids(conn: Connection, *, decree_id: str, person_ids: Sequence[int]) -> set[int]:
    """Which of these persons are ``eligible`` under the decree by their latest decision."""
    if not person_ids:
        return set()
    rows = conn.execute(
        select(Decision.person_id).where(
            Decision.decree_id == decree_id,
            Decision.decision == "eligible",
            text(bulk.among(conn, "decisions.person_id", person_ids)),
        )
    ).all()
    return {int(r[0]) for r in rows}


def current_decisions(conn: Connection, *, decree: policy.Decree) -> pl.DataFrame:
    """Every stored decision as it holds now, one row per person in id order: ``person_id``,
    ``version``, ``as_of``, ``decision``, ``until``, ``ground``, ``grounds``. A decision
    carried by the newest screen holds under that screen's version and date, its ``grounds``
    read in that version's bit positions (``policy.carry.read_bits``); one made on its own
    stands as it was made."""
    schema = {
        "person_id": pl.Int64,
        "version": pl.Int64,
        "as_of": pl.Date,
        "decision": pl.String,
        "until": pl.Date,
        "ground": pl.String,
        "grounds": pl.Int64,
        "screen_id": pl.Int64,
    }
    rows = conn.execute(
        select(*(getattr(Decision, c) for c in schema))
        .where(Decision.decree_id == decree.id)
        .order_by(Decision.person_id)
    ).all()
    frame = pl.DataFrame([tuple(r) for r in rows], schema=schema, orient="row")
    last = conn.execute(
        select(Screen.version, Screen.as_of)
        .where(Screen.decree_id == decree.id)
        .order_by(Screen.id.desc())
        .limit(1)
    ).first()
    if last is None:
        return frame.drop("screen_id")
    now = decree.version(int(last.version))
    carried = pl.col("screen_id").is_not_null()
    versions = frame.filter(carried)["version"].unique().to_list()
    return frame.with_columns(
        pl.when(carried).then(pl.lit(now.number, pl.Int64)).otherwise("version").alias("version"),
        pl.when(carried).then(pl.lit(last.as_of, pl.Date)).otherwise("as_of").alias("as_of"),
        pl.when(carried)
        .then(read_grounds(decree, now, versions))
        .otherwise("grounds")
        .alias("grounds"),
    ).drop("screen_id")


def read_grounds(
    decree: policy.Decree,
    now: policy.Version,
    versions: Sequence[int],
    *,
    version: str = "version",
    grounds: str = "grounds",
) -> pl.Expr:
    """Carried decisions' ``grounds`` (decided under the versions in column ``version``, among
    ``versions``) read in ``now``'s bit positions (``policy.carry.read_bits``)."""
    out = pl.col(grounds)
    for number in versions:
        if number == now.number:
            continue
        pairs, criteria = read_bits(decree.version(int(number)), now)
        read = pl.lit(criteria, pl.Int64)
        for a, b in pairs:
            read = read + (pl.col(grounds) // (1 << a) % 2) * (1 << b)
        out = pl.when(pl.col(version) == number).then(read).otherwise(out)
    return out


def _decided(
    conn: Connection, version: policy.Version, frame: pl.DataFrame, as_of: date
) -> pl.DataFrame:
    """``person_id`` and ``decide_frame``'s columns for these persons (``frame``, read from
    the registry), each grant in force under the version's decree standing over the decision."""
    decided = pl.concat(
        [
            frame.select(pl.col("id").alias("person_id")),
            decide_frame(version, frame, as_of).collect(),
        ],
        how="horizontal",
    )
    ids = frame["id"].to_list()
    return grants.apply(
        decided, grants.in_force(conn, decree_id=version.decree, as_of=as_of, person_ids=ids)
    )


def decide_now(
    conn: Connection, *, version: policy.Version, person_ids: Sequence[int], as_of: date
) -> dict[int, tuple[str, str | None]]:
    """Each person's decision under this version on the as-of date, on the registry data in
    the caller's transaction (not the stored screen), a board's grant in force standing over
    it: ``{id: (decision, decisive ground)}``. A person no longer in the registry is
    ``ineligible``."""
    frame = reading.persons_by_id(conn, ids=person_ids, columns=COLUMNS)
    decided = _decided(conn, version, frame, as_of)
    found = {
        int(i): (str(d), g)
        for i, d, g in zip(frame["id"], decided["decision"], decided["ground"], strict=True)
    }
    return {int(i): found.get(int(i), ("ineligible", None)) for i in person_ids}


def explain_now(
    conn: Connection, *, version: policy.Version, person_id: int, as_of: date
) -> Explanation | None:
    """One person's explained decision on the registry data in the caller's transaction, or
    None if the person is no longer in the registry."""
    frame = reading.persons_by_id(conn, ids=[person_id], columns=COLUMNS)
    if frame.is_empty():
        return None
    return grants.explained(
        conn, explain_one(version, frame.to_dicts()[0], as_of), person_id=person_id
    )


def redecide(
    conn: Connection,
    *,
    decree_id: str,
    version: policy.Version,
    person_ids: Sequence[int],
    as_of: date,
) -> pl.DataFrame:
    """Decide these persons again under ``version`` on the as-of date, on the registry data in
    the caller's transaction, and store the result as their latest decision (stamped with the
    version and date, under no screen: the next incremental screen decides them again).

    Returns one row per person with a stored decision: ``person_id``, the decision before
    (``was``, ``was_until``, ``was_ground``) and after (``decision``, ``until``, ``ground``).
    Persons no longer in the registry lose their decision."""
    ids = sorted({int(i) for i in person_ids})
    empty = pl.DataFrame(
        schema={
            "person_id": pl.Int64,
            "was": pl.String,
            "was_until": pl.Date,
            "was_ground": pl.String,
            "decision": pl.String,
            "until": pl.Date,
            "ground": pl.String,
        }
    )
    if not ids:
        return empty
    old_rows: list[Any] = []
    for start in range(0, len(ids), 1_000):
        part = ids[start : start + 1_000]
        old_rows += conn.execute(
            select(
                Decision.person_id,
                Decision.decision,
                Decision.until,
                Decision.ground,
            ).where(Decision.decree_id == decree_id, Decision.person_id.in_(part))
        ).all()
        conn.execute(
            delete(Decision).where(Decision.decree_id == decree_id, Decision.person_id.in_(part))
        )
    if not old_rows:
        return empty
    old = pl.DataFrame(
        [tuple(r) for r in old_rows],
        schema={
            "person_id": pl.Int64,
            "was": pl.String,
            "was_until": pl.Date,
            "was_ground": pl.String,
        },
        orient="row",
    )
    frame = reading.persons_by_id(conn, ids=old["person_id"].to_list(), columns=COLUMNS)
    decided = _decided(conn, version, frame, as_of).join(old, on="person_id")
    store(conn, decided, decree_id=decree_id, version=version.number, as_of=as_of)
    return decided.select(empty.columns).sort("person_id")


def store(
    conn: Connection,
    decided: pl.DataFrame,
    *,
    decree_id: str,
    version: int,
    as_of: date,
    screen_id: int | None = None,
    replace: bool = False,
) -> None:
    """Append decisions (``person_id`` and ``decide_frame``'s columns) as the persons' latest,
    made by the screen ``screen_id`` (None: decided on their own, outside a screen); with
    ``replace``, overwrite the persons' stored decisions in place instead (on PostgreSQL the
    table keeps free space in its pages, so such an update stays in the page, indexes
    untouched, unless the end date changes)."""
    rows = decided.select(
        pl.lit(decree_id).alias("decree_id"),
        "person_id",
        pl.lit(version).alias("version"),
        pl.lit(as_of).alias("as_of"),
        "decision",
        "until",
        "ground",
        "grounds",
        pl.lit(screen_id, pl.Int64).alias("screen_id"),
    )
    if replace:
        bulk.update(conn, "decisions", ("decree_id", "person_id"), rows)
    else:
        bulk.insert(conn, "decisions", rows)
