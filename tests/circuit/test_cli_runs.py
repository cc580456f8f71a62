"""Commands that run real ngspice, through the console entry point."""

import json

import pytest


@pytest.mark.ngspice
def test_experiment_with_the_array_in_the_loop(run_cli, tmp_path):
    proc = run_cli(
        "experiment",
        "tgbnn",
        "--datasets",
        "digits",
        "--seeds",
        "1",
        "--hil-dataset",
        "digits",
        "--hil-seeds",
        "1",
        "--hidden",
        "64",
        "--epochs",
        "2",
        "--mc",
        "2",
        "--out",
        "study",
    )
    assert proc.returncode == 0, proc.stderr
    hil = json.loads((tmp_path / "study" / "tgbnn.json").read_text())["hardware_in_the_loop"]
    half, conv = hil["schemes"]["half"], hil["schemes"]["conventional"]
    assert conv["plan"]["mtj"] == 2 * half["plan"]["mtj"]
    # the VCMA toggle/restore pulses make a half-size MAC cost more than a read-only conventional one
    assert half["inference_energy_per_sample_j"] > conv["inference_energy_per_sample_j"] > 0
    assert half["training_energy_j"]["write"] > 0 and "write_stats_only" in hil


@pytest.mark.ngspice
def test_switch_command_is_reproducible_and_cached(run_cli, tmp_path, monkeypatch):
    args = ["mtj", "switch", "--current-ua", "300", "--width-ns", "1", "--trials", "6", "--json"]
    env_cache = tmp_path / "cache"
    monkeypatch.setenv("MRAMCIM_CACHE_DIR", str(env_cache))
    one = run_cli(*args, "--workers", "1", "--no-cache", "--out", str(tmp_path / "a"))
    two = run_cli(*args, "--workers", "2", "--out", str(tmp_path / "b"))
    assert one.returncode == 0, one.stderr
    assert two.returncode == 0, two.stderr
    assert any(env_cache.iterdir())
    again = run_cli(*args, "--workers", "2", "--out", str(tmp_path / "c"))
    finals = [json.loads(p.stdout)["points"] for p in (one, two, again)]
    assert finals[0] == finals[1] == finals[2]
    for name in ("switch.json", "switch.npz", "switch.png"):
        assert (tmp_path / "a" / name).stat().st_size > 0


@pytest.mark.ngspice
def test_characterize_neuron_cli(run_cli, tmp_path):
    proc = run_cli("characterize", "neuron", "--currents-ma", "-6:6:7", "--out", "n")
    assert proc.returncode == 0, proc.stderr
    res = json.loads((tmp_path / "n" / "neuron.json").read_text())
    assert len(res["r_z_ohm"]) == 7 and res["provenance"]["command"] == "characterize neuron"
    assert (tmp_path / "n" / "neuron.png").stat().st_size > 0
    assert "closed form" in proc.stdout
