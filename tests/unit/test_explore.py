"""Design-space exploration without a cluster: the spec, point expansion, cache keys, the Pareto
front and the recommendation, and a sweep on local threads (cache hits, failures, publishing).
The dask runs (local cluster, external scheduler, killed sweep) are in test_explore_dask.py."""

from __future__ import annotations

import csv
import json

import numpy as np
import pytest
from pydantic import BaseModel, Field

from mramcim.errors import ConfigError, InputError
from mramcim.experiments import explore
from mramcim.experiments.design_select import pareto_front, pareto_mask, recommend
from mramcim.experiments.explore import (
    DataSource,
    Evaluator,
    SweepSpec,
    context_identity,
    expand_points,
    load_sweep_spec,
    point_key,
    run_explore,
)
from mramcim.experiments.explore_mac import MacPoint
from mramcim.report.publish import Run, publish
from mramcim.tech import override

TINY = {"cols": 4, "mc": 2}  # 16 x 4 arrays, 2 reads per popcount: ~0.2-0.4 s a point


def _spec(**sweep):
    return SweepSpec(sweep=sweep, fixed={"rows": 16, **TINY})


def test_spec_values_lists_ranges_units_and_names():
    spec = SweepSpec(
        sweep={"scheme": "half,conventional", "v_read_v": "0.05:0.15:3", "t_vcma_s": ["0.7ns", 0.85e-9]},
        fixed={"rows": 16},
    )
    points = expand_points(spec, MacPoint)
    half = [p for p in points if p["scheme"] == "half"]
    assert len(half) == 6 and {p["t_vcma_s"] for p in half} == {0.7e-9, 0.85e-9}
    assert sorted({p["v_read_v"] for p in points}) == pytest.approx([0.05, 0.1, 0.15])
    # conventional designs have no VCMA pulse: the t_vcma axis collapses for them
    assert len(points) == 6 + 3


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ({"sweep": {"row": [16]}}, "'row' is not a design variable \\(did you mean 'rows'\\?\\)"),
        ({"sweep": {"rows": [16]}, "fixed": {"rows": 32}}, "rows both swept and fixed"),
        ({"sweep": {"rows": [16, 1]}}, "rows = 1: Input should be greater than or equal to 2"),
        ({"sweep": {"rows": [16.5]}}, "rows = 16.5"),
        ({"evaluator": "macs"}, "unknown evaluator 'macs' \\(did you mean 'mac'\\?\\)"),
        ({"seeds": 1}, "seeds: unknown key"),
    ],
)
def test_bad_specs_fail_before_any_work(spec, message, tech, tmp_path):
    with pytest.raises(ConfigError, match=message):
        s = SweepSpec(**spec)
        run_explore(s, tech, pool="thread", workers=1)


def test_a_plain_pydantic_point_model_gets_the_same_errors():
    class Plain(BaseModel):
        rows: int = Field(16, ge=2)

    assert expand_points(SweepSpec(sweep={"rows": "16,32"}), Plain) == [{"rows": 16}, {"rows": 32}]
    with pytest.raises(ConfigError, match="invalid sweep point \\{'rows': 1\\}: rows = 1: Input should be greater"):
        expand_points(SweepSpec(sweep={"rows": [1]}), Plain)


def test_spec_file_errors_name_the_file(tmp_path):
    with pytest.raises(InputError, match="sweep spec not found: nope.yaml"):
        load_sweep_spec("nope.yaml")
    bad = tmp_path / "bad.yaml"
    bad.write_text("sweep: {rows: [16]}\nfixd: {}\n")
    with pytest.raises(ConfigError, match="bad.yaml: invalid sweep spec: fixd: unknown key"):
        load_sweep_spec(bad)


def test_the_packaged_default_spec_expands():
    spec, _, source = explore.packaged_spec()
    points = expand_points(spec, MacPoint)
    assert source.endswith("explore_default.yaml")
    assert 10 <= len(points) <= 40 and {p["scheme"] for p in points} == {"half", "conventional"}


def test_the_cache_key_covers_point_seed_technology_data_and_code(tech, tmp_path):
    ev = explore.evaluators()["mac"]
    point = MacPoint(rows=16).model_dump(mode="json")
    no_data = DataSource()

    def key(t=tech, seed=0, data=no_data, p=point):
        return point_key("mac", p, context_identity("mac", ev, explore.ContextSpec(t, data, seed)))

    base = key()
    assert key() == base
    assert key(p=point | {"rows": 32}) != base
    assert key(seed=1) != base
    assert key(t=override(tech, wires={"r_bl_ohm": 2.0})) != base
    weights = tmp_path / "w.npy"
    np.save(weights, np.ones(3))
    with_weights = key(data=DataSource(weights=str(weights)))
    moved = tmp_path / "elsewhere.npy"
    weights.rename(moved)
    assert key(data=DataSource(weights=str(moved))) == with_weights  # by content, not by path
    np.save(moved, np.zeros(3))
    assert key(data=DataSource(weights=str(moved))) != with_weights
    assert len(explore.code_fingerprint()) == 64


def test_pareto_mask_and_recommendation_on_a_hand_made_table():
    # energy, area, accuracy: point 2 is dominated by point 0; point 3 fails
    table = [(1.0, 1.0, 0.99), (2.0, 0.5, 0.995), (1.5, 1.5, 0.98), None, (0.5, 2.0, 0.90)]
    rows = [
        {"point": {"scheme": "half"}, "status": "failed", "metrics": None}
        if t is None
        else {
            "point": {"scheme": "half"},
            "status": "ok",
            "metrics": {"energy_j": t[0], "area_m2": t[1], "accuracy": t[2], "ideal_accuracy": 1.0, "latency_s": 1},
        }
        for t in table
    ]
    assert pareto_mask([[1, 1], [2, 0.5], [1.5, 1.5], [1, 1]]).tolist() == [True, True, False, True]
    assert pareto_front(rows) == {"half": [4, 0, 1]}
    assert pareto_front(rows, ("energy_j", "accuracy")) == {"half": [4, 0, 1]}
    best = recommend(rows, 0.01)["half"]
    assert best["index"] == 0 and best["closest"] == 1  # cheapest within 1 %; most accurate
    none = recommend(rows, 0.001)["half"]
    assert none["index"] is None and none["closest"] == 1
    assert "no half point is within 0.10% of its ideal accuracy; the closest (point 1) is 0.50% below" in none["reason"]


def test_a_sweep_caches_every_point_and_records_failures(tech, tmp_path):
    # t_vcma 2 ns is outside the packaged toggle map (0.3-1.5 ns): that half-size point fails
    spec = _spec(scheme=["half", "conventional"], t_vcma_s=[0.85e-9, 2e-9])
    seen = []
    first = run_explore(spec, tech, pool="thread", workers=2, cache_dir=tmp_path, progress=seen.append)
    rec = first.record
    assert rec["counts"] == {"total": 3, "computed": 3, "cached": 0, "failed": 1}
    failed = [r for r in rec["points"] if r["status"] == "failed"]
    assert len(failed) == 1 and failed[0]["point"]["t_vcma_s"] == 2e-9
    assert "toggle point (0.9 V, 2 ns) is outside the calibrated map" in failed[0]["error"]
    ok = [r for r in rec["points"] if r["status"] == "ok"]
    assert all(0 <= r["metrics"]["accuracy"] <= 1 and r["metrics"]["energy_j"] > 0 for r in ok)
    assert seen[-1] == explore.SweepProgress(done=3, cached=0, failed=1, total=3)
    assert len(list((tmp_path / "explore").rglob("*.json"))) == 3  # the MramcimError failure is cached too

    again = run_explore(spec, tech, pool="thread", workers=2, cache_dir=tmp_path).record
    assert again["counts"] == {"total": 3, "computed": 0, "cached": 3, "failed": 1}
    assert again["run"]["executor"] == "nothing to compute (all cached)"
    assert [r["metrics"] for r in again["points"]] == [r["metrics"] for r in rec["points"]]
    retried = run_explore(spec, tech, pool="thread", workers=1, cache_dir=tmp_path, retry_failed=True).record
    assert retried["counts"] == {"total": 3, "computed": 1, "cached": 2, "failed": 1}


def _raise_bug(point, context):
    raise ZeroDivisionError("division by zero in the model")


def _bad_metrics(point, context):
    return {"accuracy": 1.5, "energy_j": 1.0}


def _nan_metrics(point, context):
    good = {"accuracy": 0.9, "ideal_accuracy": 1.0, "energy_j": 1.0, "area_m2": 1.0, "latency_s": 1.0}
    return good | {"margin_a": float("nan")}


@pytest.mark.parametrize(
    ("evaluate", "message", "cached"),
    [
        (_raise_bug, "ZeroDivisionError: division by zero in the model", False),
        (_bad_metrics, "invalid metrics of the broken evaluator: accuracy = 1.5: Input should be less", True),
        (_nan_metrics, "metrics of the broken evaluator are not finite JSON values", True),
    ],
)
def test_an_evaluator_bug_is_recorded_with_its_type_and_the_sweep_goes_on(
    monkeypatch, tech, tmp_path, evaluate, message, cached
):
    good = explore.evaluators()

    def registry():
        return good | {"broken": Evaluator(MacPoint, evaluate, lambda spec: None, "always fails")}

    monkeypatch.setattr(explore, "evaluators", registry)
    spec = SweepSpec(evaluator="broken", sweep={"rows": [16, 32]}, fixed=TINY)
    rec = run_explore(spec, tech, pool="thread", workers=1, cache_dir=tmp_path).record
    assert rec["counts"]["failed"] == 2 and all(message in r["error"] for r in rec["points"])
    assert rec["recommended"]["half"] == {
        "index": None,
        "reason": "all 2 points of half failed",
        "point": None,
        "metrics": None,
        "closest": None,
    }
    assert bool(list((tmp_path / "explore").rglob("*.json"))) is cached  # only MramcimErrors are cached


def test_publish_writes_the_table_plot_and_record(tech, tmp_path):
    spec = _spec(scheme=["half", "conventional"], wire_width=[1, 4])
    result = run_explore(spec, tech, pool="thread", workers=2)
    written = publish(result, tmp_path, Run(command="explore", tech=tech, seed=0))
    assert sorted(p.name for p in written) == ["explore.json", "explore.npz", "explore.png", "explore_points.csv"]
    rows = list(csv.DictReader((tmp_path / "explore_points.csv").read_text().splitlines()))
    assert len(rows) == 4 and {"scheme", "wire_width", "accuracy", "energy_breakdown_j.vcma", "pareto"} <= set(rows[0])
    record = json.loads((tmp_path / "explore.json").read_text())
    assert set(record["recommended"]) == {"half", "conventional"}
    for group, best in record["recommended"].items():
        assert best["index"] is None or best["point"]["scheme"] == group
        assert set(record["pareto"][group]) <= {r["index"] for r in record["points"] if r["status"] == "ok"}
    assert any("recommended point" in line or "no recommendation" in line for line in result.summary_lines())


def test_the_cli_shows_the_default_spec_and_refuses_a_bad_one(run_cli, tmp_path):
    shown = run_cli("explore", "--show-spec")
    assert shown.returncode == 0 and "evaluator: mac" in shown.stdout
    (tmp_path / "bad.yaml").write_text("sweep: {rows: [16], wires: [1]}\n")
    for spec, message in [("nope.yaml", "sweep spec not found: nope.yaml"), ("bad.yaml", "'wires' is not a design")]:
        proc = run_cli("explore", spec, "--out", "out")
        lines = proc.stderr.strip().splitlines()
        assert proc.returncode == 1 and len(lines) == 1 and message in lines[0], proc.stderr
        assert not (tmp_path / "out").exists()
