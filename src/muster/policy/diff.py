"""What changed between two versions of a decree, rule by rule and parameter by parameter."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from muster.policy.decree import Version


@dataclass(frozen=True)
class Change:
    what: str  # "target", "rule", "parameter"
    name: str
    change: str  # "added", "removed", "changed"
    before: Any = None
    after: Any = None

    def __str__(self) -> str:
        if self.change == "changed":
            return f"{self.what} {self.name}: {self.before!r} → {self.after!r}"
        value = self.after if self.change == "added" else self.before
        return f"{self.what} {self.name} {self.change}: {value!r}"


def diff(old: Version, new: Version) -> list[Change]:
    changes: list[Change] = []
    if old.target != new.target:
        changes.append(Change("target", "national", "changed", old.target, new.target))
    a = {r["id"]: r for r in old.content(None)["rules"]}
    b = {r["id"]: r for r in new.content(None)["rules"]}
    for rid in [*a, *(k for k in b if k not in a)]:
        if rid not in b:
            changes.append(Change("rule", rid, "removed", before=a[rid]["title"]))
        elif rid not in a:
            changes.append(
                Change(
                    "rule",
                    rid,
                    "added",
                    after=f"{b[rid]['kind']}: {b[rid]['title']} — {b[rid]['condition']}",
                )
            )
        else:
            for key in ("kind", "title", "reference", "condition", "until", "exception_to"):
                if a[rid][key] != b[rid][key]:
                    changes.append(
                        Change("rule", f"{rid}.{key}", "changed", a[rid][key], b[rid][key])
                    )
    pa, pb = old.params_on(old.effective_from), new.params_on(new.effective_from)
    for name in sorted(set(pa) | set(pb)):
        if pa.get(name) != pb.get(name):
            changes.append(Change("parameter", name, "changed", pa.get(name), pb.get(name)))
    return changes
