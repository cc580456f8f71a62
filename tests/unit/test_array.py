"""Read network, transfer characteristic and array CLI: structure, invariants and bad input."""

import json
import re

import numpy as np
import pytest

from mramcim.array.read import ReadSetup, read_mac
from mramcim.array.transfer import characterize_transfer
from mramcim.circuit.netlist import render_read_dc
from mramcim.circuit.readnet import build_network
from mramcim.device.variation import DeviceSample
from mramcim.tech import apply_corner


def test_rendered_dc_deck_is_the_network(tech):
    """Parse the deck's R and V cards back: same elements, nodes and values as the solver's."""
    rng = np.random.default_rng(0)
    st = rng.choice(np.array([-1, 1], dtype=np.int8), size=(6, 5))
    net = build_network(
        tech,
        {"rl": st},
        {"rl": np.full(6, 0.1)},
        scheme="half",
        parasitics="mesh",
        devices=DeviceSample.sample(tech, (1, 6, 5), rng),
    )
    text = render_read_dc(net, title="t", header=[])
    cards = {m[0]: (m[1], m[2], float(m[3])) for m in re.findall(r"^(R\S+) (\S+) (\S+) (\S+)$", text, re.M)}
    assert len(cards) == len(net.res_ohm)
    for name, a, b, ohm in zip(net.res_names, net.res_a, net.res_b, net.res_ohm, strict=True):
        assert cards[name] == (net.node_names[a], net.node_names[b], pytest.approx(ohm, rel=1e-9))
    sources = re.findall(r"^(V\S+) (\S+) 0 DC (\S+)$", text, re.M)
    assert len(sources) == len(net.src_names)


def test_corners_move_wires_and_drivers_the_right_way(tech):
    ff, ss = apply_corner(tech, "ff"), apply_corner(tech, "ss")
    assert ff.wires.r_bl_ohm < tech.wires.r_bl_ohm < ss.wires.r_bl_ohm
    assert ff.drivers.r_out_ohm < ss.drivers.r_out_ohm
    rng = np.random.default_rng(1)
    w = rng.choice(np.array([-1, 1], dtype=np.int8), size=(64, 4))
    x = np.ones(64, dtype=np.int8)
    setup = ReadSetup(scheme="half", parasitics="mesh", reference="ideal", engine="scipy")
    fast, slow = read_mac(ff, w, x, setup), read_mac(ss, w, x, setup)
    assert np.all(fast.current_a > slow.current_a)


def test_transfer_is_monotonic_and_thresholds_at_half(tech):
    setup = ReadSetup(scheme="half", parasitics="mesh", reference="replica", engine="scipy")
    curve = characterize_transfer(tech, 32, 8, setup, mc=6, seed=2).to_json()
    mean = np.array(curve["current_mean_a"])
    assert np.all(np.diff(mean) > 0)
    p = np.array(curve["p_plus"])
    k = np.array(curve["popcount"])
    assert np.all(p[k <= curve["threshold"] - 3] == 0) and np.all(p[k >= curve["threshold"] + 2] == 1)
    assert min(curve["samples"]) >= 6  # every popcount read in every Monte-Carlo sample


def test_characterize_cli_writes_the_training_file(run_cli, tmp_path):
    proc = run_cli("characterize", "array", "--rows", "16", "--cols", "4", "--mc", "3", "--out", "char")
    assert proc.returncode == 0, proc.stderr
    curve = json.loads((tmp_path / "char" / "transfer.json").read_text())
    assert curve["rows"] == 16 and len(curve["popcount"]) == 17 and curve["toggle_errors"] is True
    assert (tmp_path / "char" / "transfer.png").stat().st_size > 10_000
    with np.load(tmp_path / "char" / "transfer.npz") as data:
        assert data["ir_drop_map"].shape == (16, 4)
    train = run_cli(
        "train",
        "--algo",
        "tgbnn",
        "--dataset",
        "digits",
        "--epochs",
        "1",
        "--hardware",
        "char/transfer.json",
        "--out",
        "t",
    )
    assert "fan-in 64" in train.stderr  # the 16-row file is refused for a 64-input layer


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["characterize", "array", "--rows", "16", "--mc", "0", "--out", "o"], "Monte-Carlo count"),
        (["characterize", "array", "--rows", "16", "--threshold", "17", "--out", "o"], "outside the popcount range"),
        (["characterize", "array", "--rows", "16", "--points", "1", "--out", "o"], "points must be"),
        (["characterize", "array", "--rows", "16", "--toggle-map", "nope.json", "--out", "o"], "nope.json"),
        (["mac", "--rows", "8", "--engine", "scipy", "--analysis", "tran"], "DC read network only"),
        (["mac", "--rows", "8", "--cols", "2", "--weights", "w_shape.npy", "--engine", "scipy"], "shape"),
        (["bench", "array", "--cols", "8,x"], "comma-separated"),
    ],
)
def test_bad_array_input_is_one_clear_error(run_cli, tmp_path, args, message):
    np.save(tmp_path / "w_shape.npy", np.ones((3, 2)))
    proc = run_cli(*args)
    assert proc.returncode == 1
    assert proc.stderr.startswith("error:") and message in proc.stderr, proc.stderr
    assert "Traceback" not in proc.stderr
    assert not (tmp_path / "o").exists()


def test_nonpositive_wire_values_are_refused(run_cli, tmp_path):
    from mramcim.paths import default_tech_file

    text = default_tech_file().read_text().replace("r_bl_ohm: 1.0", "r_bl_ohm: 0.0")
    (tmp_path / "t.yaml").write_text(text)
    proc = run_cli("characterize", "array", "--rows", "8", "--tech", "t.yaml", "--out", "o")
    assert proc.returncode == 1 and "wires.r_bl_ohm" in proc.stderr
    assert not (tmp_path / "o").exists()


def test_too_large_for_memory_is_refused_with_the_estimate(run_cli, tmp_path, monkeypatch):
    monkeypatch.setenv("MRAMCIM_MEMORY_LIMIT", "1e8")
    proc = run_cli("characterize", "array", "--rows", "784", "--cols", "512", "--out", "o")
    assert proc.returncode == 1 and re.search(r"needs about [0-9.]+ GB", proc.stderr), proc.stderr
    assert not (tmp_path / "o").exists()
    big = run_cli("gen-array", "--rows", "784", "--cols", "512", "-o", "big.cir")
    assert big.returncode == 1 and "needs about" in big.stderr
    assert not (tmp_path / "big.cir").exists()
