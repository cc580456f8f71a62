"""gen-array --scheme passive and experiment passive-wine through the console entry point."""

import json
import re

import numpy as np
import pytest


def test_gen_array_passive_deck_is_erc_clean(run_cli, tmp_path):
    proc = run_cli("gen-array", "--rows", "15", "--cols", "15", "--scheme", "passive", "-o", "x.cir")
    assert proc.returncode == 0, proc.stderr
    deck = (tmp_path / "x.cir").read_text()
    assert len(re.findall(r"^Rc\d+_\d+ ", deck, flags=re.MULTILINE)) == 225
    assert "half bias" in deck and "read of cell (0, 14)" in deck
    proc = run_cli("check", "x.cir")
    assert proc.returncode == 0 and "ERC clean" in proc.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--inputs", "x.npy"], "--inputs does not apply"),
        (["--select", "15,0"], "outside the 15 x 15 array"),
        (["--select", "1;2"], "--select must be ROW,COL"),
        (["--parasitics", "lumped"], "none or mesh wires"),
        (["--weights", "w_bad.npy"], "must hold only +1/-1"),
    ],
)
def test_gen_array_passive_bad_input(run_cli, tmp_path, args, message):
    np.save(tmp_path / "x.npy", np.ones(15))
    np.save(tmp_path / "w_bad.npy", np.full((15, 15), 2))
    proc = run_cli("gen-array", "--rows", "15", "--cols", "15", "--scheme", "passive", *args, "-o", "out.cir")
    lines = proc.stderr.strip().splitlines()
    assert proc.returncode == 1 and len(lines) == 1 and message in lines[0], proc.stderr
    assert not (tmp_path / "out.cir").exists()


def test_bias_needs_the_passive_scheme(run_cli, tmp_path):
    proc = run_cli("gen-array", "--rows", "8", "--bias", "third", "-o", "out.cir")
    assert proc.returncode == 1 and "apply to --scheme passive only" in proc.stderr
    assert not (tmp_path / "out.cir").exists()


def test_experiment_writes_json_and_png_with_provenance(run_cli, tmp_path):
    proc = run_cli("experiment", "passive-wine", "--solutions", "3", "--seed", "1", "--out", "pw", "--json")
    assert proc.returncode == 0, proc.stderr
    res = json.loads((tmp_path / "pw" / "passive-wine.json").read_text())
    assert json.loads(proc.stdout)["summary"] == res["summary"]
    assert res["provenance"]["command"] == "experiment passive-wine" and res["provenance"]["tech_id"]
    assert res["config"]["solutions"] == 3 and res["config"]["seed"] == 1 and res["mapping"]["used_cells"] == 225 + 39
    sols = res["solutions"]
    assert all(
        len(sols[k]) == 3
        for k in (
            "software",
            "hardware",
            "hardware_tuned",
            "write_errors_only",
            "variation_only",
            "wires_only",
            "write_fidelity",
        )
    )
    assert all(0.9 < f <= 1 for f in sols["write_fidelity"])
    assert res["reference"]["accuracy"] == 0.953 and 0 <= res["best"]["solution"] < 3
    assert (tmp_path / "pw" / "passive-wine.png").stat().st_size > 20_000


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["--solutions", "0"], 1, "error: solutions must be between 1 and 10000, got 0"),
        (["--v-write", "-1"], 1, "error: invalid write pulse: v_write_v = -1.0"),
        (["--t-write-ns", "0"], 1, "error: invalid write pulse: t_write_s = 0.0"),
        (["--tech", "missing.yaml"], 1, "error: technology file not found: missing.yaml"),
        (["--write-bias", "quarter"], 2, "Invalid value for '--write-bias'"),
        (["--parasitics", "lumped"], 2, "Invalid value for '--parasitics'"),
    ],
)
def test_experiment_bad_input_leaves_no_files(run_cli, tmp_path, args, code, message):
    proc = run_cli("experiment", "passive-wine", *args, "--out", "pw")
    assert proc.returncode == code and message in proc.stderr, proc.stderr
    assert "Traceback" not in proc.stderr
    if code == 1:
        assert len(proc.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "pw").exists()
