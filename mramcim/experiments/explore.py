"""Design-space exploration: a sweep spec expands to design points, each point is one task on
`mramcim.executor` (a dask LocalCluster by default, or any running dask cluster), every result is
cached on disk, and the sweep ends in a table, the Pareto front and a recommended design per scheme.

Spec (YAML, `SweepSpec`):

    evaluator: mac              # a name from `evaluators()`
    seed: 0                     # passed to every point (common random numbers across points)
    tech: my_tech.yaml          # optional, relative to the spec file (--tech overrides it)
    data: {dataset: mnist, weights: w.npz}   # the evaluator's data source (optional)
    accuracy_tolerance: 0.01    # recommended = cheapest energy with accuracy >= ideal - this
    sweep:                      # the grid: every combination of these values
      scheme: [half, conventional]
      rows: [32, 64]
      v_read_v: "0.05:0.2:4"   # lo:hi:n (units.parse_values), or "a,b,c", or a YAML list
      t_vcma_s: ["0.7ns", "0.85ns"]   # numbers may carry a SPICE scale and unit (units.parse_quantity)
    fixed: {cols: 8, mc: 4}     # the same for every point

Each point is validated by the evaluator's point model (so a typo or an out-of-range value fails
before any work) and normalized; points that normalize to the same design are evaluated once.

Evaluators: `Evaluator(point, evaluate, load_context)`. `evaluate(point_dict, context) -> metrics`
gets a JSON-able point and the context that `load_context(ContextSpec)` built once per worker
process (technology, data, seed); its metrics must hold at least accuracy, ideal_accuracy
(fractions), energy_j, area_m2, latency_s (`PointMetrics`; anything else JSON-able is kept).

Cache: one JSON file per point, `<cache>/explore/<key[:2]>/<key>.json`, written atomically by the
client as each result arrives, with key = SHA-256 of the canonical JSON of (evaluator name, the
normalized point, the seed, the resolved technology, the data identity, the code version). The
data identity is the data source with the SHA-256 of every file it names (or the evaluator's own
`data_identity`); the code version is the SHA-256 of the mramcim library source and its packaged
models and templates, so any change to the code recomputes every point (conservative on purpose).
Successful points and points that failed with a `MramcimError` (deterministic: the design is
invalid for this code) are cached; other failures (a bug, a lost worker) are retried next run.
"""

from __future__ import annotations

import functools
import hashlib
import itertools
import json
import logging
import re
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from mramcim.artifacts import RecordResult, json_ready, write_json
from mramcim.errors import ConfigError, InputError, MramcimError, suggest
from mramcim.executor import open_executor
from mramcim.experiments.design_select import pareto_front, recommend
from mramcim.options import Config, Pool, format_validation
from mramcim.tech import Technology, tech_run_id
from mramcim.units import parse_quantity, parse_values

__all__ = [
    "ContextSpec",
    "DataSource",
    "Evaluator",
    "ExploreResult",
    "PointMetrics",
    "SweepProgress",
    "SweepSpec",
    "code_fingerprint",
    "evaluators",
    "expand_points",
    "load_sweep_spec",
    "point_key",
    "run_explore",
]

logger = logging.getLogger(__name__)

MAX_POINTS = 100_000
Scalar = str | int | float | bool | None


# ---------------------------------------------------------------------------------------------
# The evaluators


@dataclass(frozen=True)
class ContextSpec:
    """What a worker needs to build an evaluation context: the technology, the data, the seed."""

    tech: Technology
    data: DataSource
    seed: int

    def key(self) -> str:
        return _sha256({"tech": self.tech.model_dump(mode="json"), "data": self.data.model_dump(), "seed": self.seed})


@dataclass(frozen=True)
class Evaluator:
    """An evaluation function and what it needs.

    Attributes:
        point: the design-point model (an `options.Config`, or any pydantic model): validates and
            normalizes one point; `model_dump(mode="json")` is the point the evaluator gets.
        evaluate: (point as a JSON dict, context) -> metrics dict (see `PointMetrics`).
        load_context: (ContextSpec) -> context, called once per worker process.
        description: one line for the result and the help.
        data_identity: (DataSource) -> JSON-able identity of the data for the cache key
            (default: the source with the SHA-256 of every file it names).
    """

    point: type[BaseModel]
    evaluate: Callable[[dict[str, Any], Any], dict[str, Any]]
    load_context: Callable[[ContextSpec], Any]
    description: str
    data_identity: Callable[[DataSource], Any] | None = None


def evaluators() -> dict[str, Evaluator]:
    """The registered evaluators by name: one entry each."""
    from mramcim.experiments.explore_chip import ChipPoint, chip_data_identity, evaluate_chip, load_chip_context
    from mramcim.experiments.explore_mac import MacPoint, evaluate_mac, load_mac_context

    return {
        "mac": Evaluator(
            MacPoint, evaluate_mac, load_mac_context, "one sub-array's MAC read: sign accuracy, energy, area"
        ),
        "chip": Evaluator(
            ChipPoint,
            evaluate_chip,
            load_chip_context,
            "the 784-512-10 MNIST chip: accuracy through the hardware layer, energy/area/latency per inference",
            chip_data_identity,
        ),
    }


def _evaluator(name: str) -> Evaluator:
    known = evaluators()
    if name not in known:
        raise ConfigError(f"unknown evaluator {name!r}{suggest(name, known)}; choose one of {', '.join(known)}")
    return known[name]


class PointMetrics(BaseModel):
    """The metrics every evaluator returns (more keys are kept as they are)."""

    model_config = ConfigDict(extra="allow", frozen=True)

    accuracy: float = Field(ge=0, le=1, allow_inf_nan=False, description="accuracy through the hardware")
    ideal_accuracy: float = Field(ge=0, le=1, allow_inf_nan=False, description="software accuracy, same weights")
    energy_j: float = Field(ge=0, allow_inf_nan=False, description="energy per inference (evaluator's unit of work)")
    area_m2: float = Field(ge=0, allow_inf_nan=False, description="area")
    latency_s: float = Field(ge=0, allow_inf_nan=False, description="latency per inference")
    energy_breakdown_j: dict[str, float] = Field(default_factory=dict, description="energy by component")


# ---------------------------------------------------------------------------------------------
# The spec


class DataSource(Config):
    """The data an evaluator's context loads (relative paths are resolved against the spec's folder)."""

    what = "data source"

    dataset: str | None = Field(None, description="data set name (e.g. mnist)")
    weights: str | None = Field(None, description="trained weights file")
    test_images: int | None = Field(None, ge=1, description="test images used (None: all)")
    options: dict[str, Scalar] = Field(default_factory=dict, description="evaluator-specific settings")


SweepValues = list[Scalar] | Scalar


class SweepSpec(Config):
    """A design-space sweep: the grid (`sweep`), the values every point shares (`fixed`) and the run."""

    what = "sweep spec"

    evaluator: str = Field("mac", description="name of the evaluation function (`evaluators()`)")
    seed: int = Field(0, ge=0, description="seed passed to every point")
    tech: str | None = Field(None, description="technology YAML, relative to the spec file (None: default)")
    data: DataSource = Field(default_factory=DataSource, description="the evaluator's data source")
    accuracy_tolerance: float = Field(0.01, ge=0, le=1, description="recommended: accuracy >= ideal - this")
    sweep: dict[str, SweepValues] = Field(default_factory=dict, description="variable -> values (the grid)")
    fixed: dict[str, Scalar] = Field(default_factory=dict, description="variable -> value for every point")

    @field_validator("fixed")
    @classmethod
    def _disjoint(cls, fixed: dict[str, Scalar], info: Any) -> dict[str, Scalar]:
        both = sorted(set(fixed) & set(info.data.get("sweep") or {}))
        if both:
            raise ValueError(f"{', '.join(both)} both swept and fixed")
        return fixed


def load_sweep_spec(path: str | Path) -> tuple[SweepSpec, Path]:
    """The spec in a YAML file and the folder its relative paths are resolved against."""
    source = Path(path)
    try:
        data = yaml.safe_load(source.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError(f"sweep spec not found: {path}") from None
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as err:
        raise InputError(f"cannot read sweep spec {path}: {err}") from None
    if not isinstance(data, dict):
        raise InputError(f"sweep spec {path} must be a YAML mapping")
    try:
        return SweepSpec(**data), source.resolve().parent
    except ConfigError as err:
        raise ConfigError(f"{path}: {err}") from None


def packaged_spec() -> tuple[SweepSpec, Path, str]:
    """The small default sweep shipped in models/ (what `mramcim explore` runs without a spec)."""
    from mramcim.paths import default_sweep_file

    node: Traversable = default_sweep_file()
    spec, base = load_sweep_spec(Path(str(node)))
    return spec, base, str(node)


_NUMBER_START = re.compile(r"\s*[-+]?(\d|\.\d)")


def _value(text: str, name: str) -> Scalar:
    """A spec string: a number with an optional SPICE scale/unit ("0.85ns"), else a name ("half")."""
    return parse_quantity(text, name=name) if _NUMBER_START.match(text) else text.strip()


def _values(name: str, raw: SweepValues) -> list[Scalar]:
    if isinstance(raw, list):
        values = [_value(v, name) if isinstance(v, str) else v for v in raw]
    elif isinstance(raw, str) and ":" in raw:
        values = list(parse_values(raw, f"sweep.{name}", positive=False))
    elif isinstance(raw, str) and "," in raw:
        values = [_value(v, name) for v in raw.split(",") if v.strip()]
    else:
        values = [_value(raw, name) if isinstance(raw, str) else raw]
    if not values:
        raise ConfigError(f"sweep.{name}: no values")
    return values


def expand_points(spec: SweepSpec, model: type[BaseModel]) -> list[dict[str, Any]]:
    """Every design point of the grid, validated and normalized by `model`, duplicates dropped
    (the first occurrence keeps its place); order: the grid's, last variable fastest."""
    fields = set(model.model_fields)
    for name in [*spec.sweep, *spec.fixed]:
        if name not in fields:
            raise ConfigError(
                f"sweep spec: {name!r} is not a design variable{suggest(name, fields)}; "
                f"the evaluator {spec.evaluator!r} knows {', '.join(sorted(fields))}"
            )
    axes = {name: _values(name, raw) for name, raw in spec.sweep.items()}
    total = int(np.prod([len(v) for v in axes.values()])) if axes else 1
    if total > MAX_POINTS:
        raise ConfigError(f"the sweep has {total} points; at most {MAX_POINTS} (split it into several specs)")
    fixed = {k: _value(v, k) if isinstance(v, str) else v for k, v in spec.fixed.items()}
    seen: dict[str, dict[str, Any]] = {}
    for combo in itertools.product(*axes.values()):
        raw = fixed | dict(zip(axes, combo, strict=True))
        try:
            point = model(**raw).model_dump(mode="json")
        except ConfigError as err:
            raise ConfigError(f"sweep point {raw}: {err}") from None
        except ValidationError as err:  # a point model on pydantic's BaseModel instead of options.Config
            raise ConfigError(format_validation(err, f"sweep point {raw}")) from None
        seen.setdefault(_canonical(point), point)
    return list(seen.values())


# ---------------------------------------------------------------------------------------------
# Cache keys


def _canonical(payload: Any) -> str:
    return json.dumps(json_ready(payload), sort_keys=True, separators=(",", ":"), allow_nan=False)


def _sha256(payload: Any) -> str:
    return hashlib.sha256(_canonical(payload).encode()).hexdigest()


_NOT_LIBRARY = {"__pycache__", "cli", "models", "netlists"}  # in a wheel these sit inside mramcim/


def _walk(node: Traversable, prefix: str) -> list[tuple[str, Traversable]]:
    out = []
    for child in node.iterdir():
        name = f"{prefix}/{child.name}"
        if child.is_dir():
            if child.name not in _NOT_LIBRARY and not child.name.startswith("."):
                out += _walk(child, name)
        elif child.name.endswith((".py", ".j2", ".yaml", ".json", ".lib")):
            out.append((name, child))
    return out


@functools.cache
def code_fingerprint() -> str:
    """SHA-256 of the mramcim library source and its packaged models and netlist templates."""
    digest = hashlib.sha256()
    for package in ("mramcim", "mramcim.models", "mramcim.netlists"):
        for name, node in sorted(_walk(resources.files(package), package), key=lambda item: item[0]):
            digest.update(name.encode() + b"\0" + hashlib.sha256(node.read_bytes()).digest())
    return digest.hexdigest()


def _file_sha256(path: str) -> str:
    try:
        return hashlib.sha256(Path(path).read_bytes()).hexdigest()
    except OSError as err:
        raise InputError(f"cannot read data file {path}: {err.strerror or err}") from None


def default_data_identity(data: DataSource) -> dict[str, Any]:
    """The data source with its files by content (SHA-256), not by path: moving them keeps the cache."""
    files = {"weights": _file_sha256(data.weights)} if data.weights else {}
    return {"source": data.model_dump() | {"weights": None}, "files": files}


def point_key(evaluator: str, point: dict[str, Any], context_identity: dict[str, Any]) -> str:
    """The cache key of one point: SHA-256 of (evaluator, point, seed, technology, data, code)."""
    return _sha256({"evaluator": evaluator, "point": point, **context_identity})


def context_identity(name: str, ev: Evaluator, ctx: ContextSpec) -> dict[str, Any]:
    """What every point's key shares: seed, resolved technology, data identity, code version."""
    data = (ev.data_identity or default_data_identity)(ctx.data)
    return {
        "seed": ctx.seed,
        "tech": ctx.tech.model_dump(mode="json"),
        "data": data,
        "code": code_fingerprint(),
    }


# ---------------------------------------------------------------------------------------------
# The worker side

_CONTEXTS: OrderedDict[tuple[str, str], Any] = OrderedDict()
_CONTEXT_LOCK = threading.Lock()
_KEEP_CONTEXTS = 2  # a worker of a shared cluster may serve several sweeps; keep the last two


def _context(name: str, ev: Evaluator, spec: ContextSpec) -> Any:
    """The evaluation context of `spec`, loaded once per worker process (and per sweep)."""
    key = (name, spec.key())
    with _CONTEXT_LOCK:
        if key not in _CONTEXTS:
            start = time.perf_counter()
            _CONTEXTS[key] = ev.load_context(spec)
            logger.info("evaluation context for %s loaded in %.2f s", name, time.perf_counter() - start)
            while len(_CONTEXTS) > _KEEP_CONTEXTS:
                _CONTEXTS.popitem(last=False)
        _CONTEXTS.move_to_end(key)
        return _CONTEXTS[key]


def _failure(err: BaseException) -> dict[str, Any]:
    """A failed point: a MramcimError's own text (deterministic, cached), else the type and text."""
    if isinstance(err, MramcimError):
        return {"status": "failed", "error": str(err), "deterministic": True}
    return {"status": "failed", "error": f"{type(err).__name__}: {err}", "deterministic": False}


def _evaluate_task(task: tuple[str, ContextSpec, dict[str, Any]]) -> dict[str, Any]:
    """One point on a worker: never raises, a failure becomes a record."""
    name, spec, point = task
    start = time.perf_counter()
    try:
        ev = _evaluator(name)
        metrics = ev.evaluate(point, _context(name, ev, spec))
        try:
            checked = PointMetrics.model_validate(metrics)
        except ValidationError as err:
            raise ConfigError(format_validation(err, f"metrics of the {name} evaluator")) from None
        record = {"status": "ok", "metrics": json_ready(checked.model_dump())}
        try:  # JSON-able and finite, or a failure now rather than a broken cache file
            _canonical(record)
        except (TypeError, ValueError) as err:
            raise ConfigError(f"metrics of the {name} evaluator are not finite JSON values: {err}") from None
    # The sweep must survive any one point: an evaluator bug is recorded with its type and text.
    except Exception as err:
        record = _failure(err)
    record["eval_s"] = time.perf_counter() - start
    return record


# ---------------------------------------------------------------------------------------------
# The sweep


@dataclass(frozen=True)
class SweepProgress:
    """Points finished so far (computed, cached or failed) of `total`."""

    done: int
    cached: int
    failed: int
    total: int


@dataclass(frozen=True)
class ExploreResult(RecordResult):
    """Every point with its metrics or error, the Pareto front and the recommended design per scheme."""

    name: ClassVar[str] = "explore"

    def tables(self) -> dict[str, list[dict[str, Any]]]:
        rows = []
        for r in self.record["points"]:
            flat: dict[str, Any] = {"index": r["index"], "status": r["status"]}
            flat |= r["point"]
            for k, v in (r["metrics"] or {}).items():
                if isinstance(v, dict):
                    flat |= {f"{k}.{sub}": x for sub, x in v.items()}
                elif not isinstance(v, list):
                    flat[k] = v
            flat |= {"pareto": r["pareto"], "eval_s": r["eval_s"], "error": r["error"] or ""}
            rows.append(flat)
        return {"points": rows}

    def arrays(self) -> dict[str, np.ndarray]:
        pts = self.record["points"]
        ok = np.array([r["status"] == "ok" for r in pts], dtype=bool)
        out = {"ok": ok, "pareto": np.array([r["pareto"] for r in pts], dtype=bool)}
        for key in ("accuracy", "ideal_accuracy", "energy_j", "area_m2", "latency_s"):
            out[key] = np.array([r["metrics"][key] if r["metrics"] else np.nan for r in pts], dtype=np.float64)
        return out

    def summary_lines(self) -> list[str]:
        rec, c, run = self.record, self.record["counts"], self.record["run"]
        lines = [
            f"explore ({rec['evaluator']}, seed {rec['seed']}): {c['total']} points, {c['computed']} computed, "
            f"{c['cached']} cached, {c['failed']} failed; {run['executor']}"
            + (
                f": {run['points_per_minute']:.1f} points/min (start {run['cluster_start_s']:.1f} s)"
                if run["points_per_minute"]
                else ""
            )
        ]
        for group, best in rec["recommended"].items():
            n_front = len(rec["pareto"].get(group, []))
            if best["index"] is None:
                lines.append(f"{group}: Pareto front {n_front} points; no recommendation: {best['reason']}")
                continue
            m, p = best["metrics"], best["point"]
            lines.append(
                f"{group}: Pareto front {n_front} points; recommended point {best['index']}: energy "
                f"{_eng(m['energy_j'], 'J')}, accuracy {m['accuracy']:.2%} (ideal {m['ideal_accuracy']:.2%}), "
                f"area {m['area_m2'] * 1e12:.4g} um^2, latency {_eng(m['latency_s'], 's')}"
            )
            lines.append("    " + " ".join(f"{k}={v}" for k, v in p.items() if v is not None))
        failed = [r for r in rec["points"] if r["status"] != "ok"]
        if failed:
            lines.append(f"failed: {len(failed)} points, e.g. point {failed[0]['index']}: {failed[0]['error']}")
        return lines


def _eng(value: float, unit: str) -> str:
    """`value` with an SI prefix: 2.05e-14, "J" -> "20.5 fJ"."""
    if value == 0:
        return f"0 {unit}"
    exp = max(-15, min(12, 3 * int(np.floor(np.log10(abs(value)) / 3))))
    prefix = {-15: "f", -12: "p", -9: "n", -6: "u", -3: "m", 0: "", 3: "k", 6: "M", 9: "G", 12: "T"}[exp]
    return f"{value / 10**exp:.4g} {prefix}{unit}"


def _cache_path(root: Path, key: str) -> Path:
    return root / "explore" / key[:2] / f"{key}.json"


def _read_cached(path: Path, retry_failed: bool) -> dict[str, Any] | None:
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as err:
        logger.warning("ignoring unreadable cache file %s: %s", path, err)
        return None
    if not isinstance(record, dict) or record.get("status") not in ("ok", "failed"):
        return None
    if record["status"] == "failed" and retry_failed:
        return None
    return record


def run_explore(
    spec: SweepSpec,
    tech: Technology,
    *,
    base_dir: Path | None = None,
    workers: int | None = None,
    scheduler: str | None = None,
    pool: Pool | str = Pool.DASK,
    cache_dir: Path | None = None,
    retry_failed: bool = False,
    progress: Callable[[SweepProgress], None] | None = None,
) -> ExploreResult:
    """Evaluate every point of `spec` (cached points are read, the others computed in parallel).

    Args:
        base_dir: folder the spec's relative data paths are resolved against (default: cwd).
        workers: local workers (`pool`: a dask LocalCluster by default); ignored with `scheduler`.
        scheduler: address of a running dask scheduler whose workers evaluate the points.
        cache_dir: the cache root (None: no cache); points live in `<cache_dir>/explore/`.
        retry_failed: recompute points cached as failed.
        progress: called after each finished point.
    """
    started = time.perf_counter()
    ev = _evaluator(spec.evaluator)
    points = expand_points(spec, ev.point)
    data = spec.data
    if data.weights is not None:
        data = data.with_(weights=str((base_dir or Path.cwd()) / data.weights))
    ctx = ContextSpec(tech, data, spec.seed)
    identity = context_identity(spec.evaluator, ev, ctx)
    keys = [point_key(spec.evaluator, p, identity) for p in points]
    records: list[dict[str, Any] | None] = [None] * len(points)
    cached = failed = 0
    if cache_dir is not None:
        for i, key in enumerate(keys):
            records[i] = _read_cached(_cache_path(cache_dir, key), retry_failed)
            if records[i] is not None:
                cached += 1
                failed += records[i]["status"] != "ok"  # type: ignore[index]
    todo = [i for i, r in enumerate(records) if r is None]
    done = cached
    total = len(points)
    logger.info("%d points: %d cached, %d to evaluate", total, cached, len(todo))
    if progress:
        progress(SweepProgress(done, cached, failed, total))
    executor_text, start_s, compute_s = "nothing to compute (all cached)", 0.0, 0.0
    if todo:
        with open_executor(workers, scheduler, local=pool) as ex:
            executor_text, start_s = ex.description, getattr(ex, "start_s", 0.0)
            ex.preload([__name__, ev.evaluate.__module__])
            t0 = time.perf_counter()
            tasks = [(spec.evaluator, ctx, points[i]) for i in todo]
            for result in ex.run(_evaluate_task, tasks):
                i = todo[result.index]
                record = (
                    result.value
                    if result.value is not None
                    else _failure(result.error or MramcimError("no result")) | {"eval_s": None}
                )
                if cache_dir is not None and (record["status"] == "ok" or record.get("deterministic")):
                    write_json(_cache_path(cache_dir, keys[i]), record | {"key_inputs": _key_inputs(points[i], spec)})
                records[i] = record
                done += 1
                failed += record["status"] != "ok"
                if record["status"] != "ok":
                    logger.warning("point %d failed: %s", i, record["error"])
                if progress:
                    progress(SweepProgress(done, cached, failed, total))
            compute_s = time.perf_counter() - t0
    rows = [
        {
            "index": i,
            "point": p,
            "status": r["status"],
            "metrics": r.get("metrics"),
            "error": r.get("error"),
            "eval_s": r.get("eval_s"),
        }
        for i, (p, r) in enumerate(zip(points, records, strict=True))
        if r is not None
    ]
    front = pareto_front(rows)
    front_2d = pareto_front(rows, ("energy_j", "accuracy"))
    on_front = {i for idx in front.values() for i in idx}
    for r in rows:
        r["pareto"] = r["index"] in on_front
    chosen = recommend(rows, spec.accuracy_tolerance)

    def view(i: int | None) -> dict[str, Any] | None:
        return None if i is None else {"index": i, "point": rows[i]["point"], "metrics": rows[i]["metrics"]}

    recommended = {}
    for group, c in chosen.items():
        entry = {"index": c["index"], "reason": c["reason"], "point": None, "metrics": None}
        recommended[group] = entry | (view(c["index"]) or {}) | {"closest": view(c["closest"])}
    computed = len(todo)
    record_out = {
        "evaluator": spec.evaluator,
        "description": ev.description,
        "seed": spec.seed,
        "spec": spec.model_dump(mode="json"),
        "tech_id": tech_run_id(tech),
        "data": identity["data"],
        "code_version": identity["code"],
        "accuracy_tolerance": spec.accuracy_tolerance,
        "points": rows,
        "pareto": front,
        "pareto_energy_accuracy": front_2d,
        "recommended": recommended,
        "counts": {"total": total, "computed": computed, "cached": cached, "failed": failed},
        "run": {
            "executor": executor_text,
            "cluster_start_s": start_s,
            "compute_s": compute_s,
            "points_per_minute": 60 * computed / compute_s if compute_s > 0 else None,
            "wall_s": time.perf_counter() - started,
            "cache_dir": str(cache_dir) if cache_dir is not None else None,
        },
    }
    return ExploreResult(record_out)


def _key_inputs(point: dict[str, Any], spec: SweepSpec) -> dict[str, Any]:
    """What a cache file was computed for, in readable form (the key hashes the full values)."""
    return {"evaluator": spec.evaluator, "point": point, "seed": spec.seed, "code": code_fingerprint()}
