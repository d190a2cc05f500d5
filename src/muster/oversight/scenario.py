"""What a simulation runs: a scenario (a decree and a way of setting quotas), each person's
random draws made once from the seed, and the call-up states it moves people through
(docs/simulation.md)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from muster.oversight.schemas import SimulationParameters
from muster.oversight.synthetic import Ints
from muster.policy.versions import Decree

# Call-up states in the simulation (a subset of selection/lifecycle.py's).
WAITING, OUT, DUE, CLAIM, QUEUE, ENLISTED, RELEASED = range(7)
ACTIVE = (WAITING, OUT, DUE, CLAIM, QUEUE)
NOTICES = 4  # repeat notices beyond the fourth reuse the fourth's draws
REACH_SCALE = 1000  # the opaque baseline's reach weights in whole thousandths


@dataclass(frozen=True)
class Scenario:
    name: str
    decree: Decree
    method: str
    opaque: bool = False

    @property
    def description(self) -> str:
        if self.opaque:
            return (
                "Opaque baseline: quotas by registered men near offices (villages reached "
                "more easily than cities), notices rushed out, part of the call-ups not "
                "screened against the decree, mistakes found only by claims and examinations."
            )
        return (
            f"Published formula: quotas from each region's eligible pool under {self.decree.id} "
            f"by {self.method}, capped by office capacity; a lottery in the pool; everyone "
            "re-decided at issue and on every amendment; report days within capacity."
        )


@dataclass(frozen=True)
class Draws:
    """Each person's random draws, the same in every scenario of one seed."""

    lottery: npt.NDArray[np.float64]
    delivery_days: Ints  # (persons, NOTICES): days until a notice is delivered
    no_show: npt.NDArray[np.bool_]  # (persons, NOTICES)
    claim: npt.NDArray[np.float64]
    upheld: npt.NDArray[np.float64]
    unfit: npt.NDArray[np.float64]
    unscreened: npt.NDArray[np.float64]

    @classmethod
    def make(cls, n: int, seed: int, params: SimulationParameters) -> Draws:
        rng = np.random.default_rng([seed, 2022])
        return cls(
            lottery=rng.random(n),
            delivery_days=rng.geometric(params.delivery_success, size=(n, NOTICES)) - 1,
            no_show=rng.random((n, NOTICES)) < params.no_show,
            claim=rng.random(n),
            upheld=rng.random(n),
            unfit=rng.random(n),
            unscreened=rng.random(n),
        )


def scaled_target(decree: Decree, persons: int) -> int:
    """The decree's target for a registry of 30 million, scaled to this population."""
    return max(1, round(decree.versions[0].target * persons / 30_000_000))
