"""Which run: the latest, the latest successful, by kind, a run's lineage, a run's label."""
from __future__ import annotations

from typing import Iterator

from ..store import Catalog, RunRecord, Store, StoreError
from .steps import split_label

# The kinds Metaflow's client lists (iteration, latest_run, latest_successful_run): a spin is
# a development iteration of one step, kept apart (``Flow.spins()``).
MAIN_KINDS = ("run", "resume", "metaflow")
ALL_KINDS = ("run", "resume", "spin", "metaflow")
# Runs made from nothing before them (a whole flow executed), here or by Metaflow: no origin,
# nothing to diff a task against.
PLAIN_KINDS = ("run", "metaflow")


def list_runs(catalog: Catalog, flow: str, kinds: tuple[str, ...] = ALL_KINDS,
              limit: int | None = None) -> list[RunRecord]:
    """Runs of ``flow`` of the given kinds, newest first, at most ``limit``."""
    return catalog.list_runs(flow, limit=limit, kinds=kinds)


def latest_run(catalog: Catalog, flow: str, *, kinds: tuple[str, ...] = ALL_KINDS,
               successful: bool = False) -> RunRecord | None:
    """The newest run of ``flow`` of the given kinds (only succeeded ones if asked)."""
    return catalog.latest_run(flow, successful=successful, kind=kinds)


def latest_finished(catalog: Catalog, flow: str, kinds: tuple[str, ...] = MAIN_KINDS
                    ) -> RunRecord | None:
    """The newest run of the given kinds that is not running any more (whatever its end)."""
    return next((r for r in catalog.iter_runs(flow, kinds) if r.status != "running"), None)


def latest_started_by_run(catalog: Catalog, flow: str) -> RunRecord | None:
    """Metaflow's "latest run id": the newest finished run started by ``run`` (a spin or a
    resume never is). A script ``resume`` without ``--origin-run-id`` resumes it."""
    return latest_finished(catalog, flow, kinds=("run",))


def lineage(catalog: Catalog, run: RunRecord) -> Iterator[RunRecord]:
    """The runs ``run`` was made from, nearest first: its origin, the origin's origin...

    A plain run has none. A run that was garbage-collected ends the chain.
    """
    seen = {run.id}
    origin = run.origin_run
    while origin is not None:
        rec = catalog.get_run(run.flow, origin)
        if rec is None or rec.id in seen:
            return
        seen.add(rec.id)
        yield rec
        origin = rec.origin_run


def run_label(rec: RunRecord) -> str:
    """``run``; ``spin train[2] <- 5``; ``resume clean <- 3``; ``spin train <- 5 vs 2``."""
    if rec.kind == "run":
        return "run"
    if rec.kind == "metaflow":
        return "metaflow"
    step = f" {rec.spun_step}{split_label(rec.spun_split)}" if rec.spun_step else ""
    origin = f" <- {rec.origin_run}" if rec.origin_run is not None else ""
    against = f" vs {rec.against_run}" if rec.against_run is not None else ""
    return f"{rec.kind}{step}{origin}{against}"


def resolve_run(store: Store, flow: str, run: RunRecord | int | str, *,
                mismatch: type[StoreError] = StoreError, why: str = "") -> RunRecord:
    """A run of ``flow`` from a record, a number, ``"5"`` or ``"Flow/5"``.

    A missing run raises StoreError; a run of another flow raises ``mismatch`` whose message
    starts with ``why`` (one line each).
    """
    if isinstance(run, RunRecord):
        rec = run
    else:
        name, number = flow, run
        if isinstance(run, str):
            name, _, number = run.rpartition("/")
            name = name or flow
            if "/" in name or not str(number).strip().isdigit():
                raise StoreError(f"bad run {run!r}: expected a run number or Flow/number")
        found = store.catalog.get_run(name, int(number))
        if found is None:
            raise StoreError(f"run {name}/{int(number)} not found in {store.root}")
        rec = found
    if rec.flow != flow:
        raise mismatch(f"{why}{rec.pathspec} is not a run of {flow}")
    return rec


def spin_candidates(catalog: Catalog, flow: str) -> Iterator[RunRecord]:
    """Runs a spin or resume may take its inputs from by default, newest first: every kind
    (a spin included, so chained spins use the freshest inputs), none still running. The
    planner takes the first whose parent tasks of the step succeeded."""
    return (r for r in catalog.iter_runs(flow) if r.status != "running")
