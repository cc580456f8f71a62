"""The chip evaluator in `explore`: a synthetic design context folder, a small grid on local
threads; equivalent designs are evaluated once, metrics are evaluate_design's totals, the context
files are part of the cache key, and a missing context is one clear error."""

import json

import numpy as np
import pytest

from mramcim.errors import ConfigError
from mramcim.experiments.explore import SweepSpec, expand_points, run_explore
from mramcim.experiments.explore_chip import ChipPoint
from mramcim.tech import load_tech


@pytest.fixture(scope="module")
def context_dir(tmp_path_factory):
    folder = tmp_path_factory.mktemp("ctx")
    rng = np.random.default_rng(0)
    arrays = {"x_test": rng.choice(np.array([-1, 1], dtype=np.int8), size=(12, 48)), "y_test": rng.integers(0, 10, 12)}
    for algo in ("tgbnn", "bnn"):
        arrays[f"{algo}_w1"] = rng.choice(np.array([-1, 1], dtype=np.int8), size=(48, 16))
        arrays[f"{algo}_w2"] = rng.choice(np.array([-1, 1], dtype=np.int8), size=(16, 10))
    np.savez(folder / "context.npz", **arrays)
    energies = {
        "scheme_read_j": {"half": 2e-16, "conventional": 2e-16},
        "toggle_j": 2e-14,
        "restore_j": 2e-14,
        "v_read_v": 0.1,
        "v_vcma_v": 1.0,
        "t_read_s": 1e-9,
        "t_vcma_s": 0.85e-9,
        "ra_ohm_m2": 1.3e-10,
        "how": "synthetic",
    }
    meta = {
        "algorithms": ["bnn", "tgbnn"],
        "data_note": "synthetic",
        "weights_note": {"tgbnn": "", "bnn": ""},
        "cell_energies": energies,
    }
    (folder / "context.json").write_text(json.dumps(meta), encoding="utf-8")
    return folder


def _spec(folder, **sweep):
    return SweepSpec(
        evaluator="chip",
        data={"weights": str(folder)},
        sweep=sweep,
        fixed={"rows": 16, "cols": 8, "n_images": 4},
    )


def test_equivalent_designs_collapse():
    spec = SweepSpec(
        evaluator="chip",
        sweep={"scheme": ["half", "conventional"], "v_vcma_v": [0.9, 1.1], "mapping": ["single", "adc"]},
    )
    points = expand_points(spec, ChipPoint)
    # half: 2 pulses x 2 mappings; conventional: one per mapping (no pulse)
    assert len(points) == 6
    assert all(p["rows"] == 784 for p in points if p["mapping"] == "single")
    assert ChipPoint.model_validate({"mapping": "single", "adc_bits": 3}).adc_bits is None


def test_chip_sweep_on_threads(context_dir, tmp_path):
    tech = load_tech()
    spec = _spec(context_dir, scheme=["half", "conventional"], mapping=["hierarchical", "adc"])
    rec = run_explore(spec, tech, pool="thread", workers=1, cache_dir=tmp_path).record
    assert rec["counts"] == {"total": 4, "computed": 4, "cached": 0, "failed": 0}
    for r in rec["points"]:
        m = r["metrics"]
        assert 0 <= m["accuracy"] <= 1 and m["n_images"] == 4
        assert m["energy_j"] == pytest.approx(sum(m["energy_breakdown_j"].values()))
        assert m["area_m2"] == pytest.approx(sum(m["area_breakdown_m2"].values()))
        assert (m["energy_breakdown_j"]["vcma_toggle"] > 0) == (r["point"]["scheme"] == "half")
    again = run_explore(spec, tech, pool="thread", workers=1, cache_dir=tmp_path).record
    assert again["counts"]["cached"] == 4
    # another context (other weights) is another cache key
    other = tmp_path / "ctx2"
    other.mkdir()
    for name in ("context.json", "context.npz"):
        (other / name).write_bytes((context_dir / name).read_bytes())
    with np.load(other / "context.npz") as npz:
        arrays = dict(npz)
    arrays["tgbnn_w1"] = -arrays["tgbnn_w1"]
    np.savez(other / "context.npz", **arrays)
    moved = run_explore(_spec(other, scheme=["conventional"]), tech, pool="thread", workers=1, cache_dir=tmp_path)
    assert moved.record["counts"]["computed"] == 1


def test_missing_context_is_one_error(tmp_path):
    with pytest.raises(ConfigError, match="design context folder"):
        run_explore(SweepSpec(evaluator="chip"), load_tech(), pool="thread", workers=1)
    with pytest.raises(ConfigError, match="not a design context"):
        run_explore(_spec(tmp_path), load_tech(), pool="thread", workers=1)
