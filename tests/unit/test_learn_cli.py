"""The learning commands through the console entry point."""

import json

import pytest


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["train", "--dataset", "imagenet"], "unknown dataset 'imagenet'"),
        (["train", "--algo", "adam"], "unknown algorithm 'adam'"),
        (["train", "--output-code", "ecoc", "--code-length", "3"], "ceil(log2(10)) = 4"),
        (["train", "--flip-prob", "1.5"], "must be in [0, 1]"),
        (["train", "--flip-prob-final", "-0.2"], "must be in [0, 1]"),
        (["train", "--write-pulse", "250,10"], "must look like 250uA,10ns"),
        (["train", "--write-pulse", "250uA,10ns"], "choose a pulse with"),
        (["train", "--write-pulse", "100uA,10ns"], "SOT pulse outside the calibrated range: current 100.0"),
        (["train", "--write-pulse", "150uA,20ns"], "width 20 ns outside 2..10 ns"),
        (["train", "--write-pulse", "150uA,10ns,300ps"], "rise 300 ps outside"),
        (["train", "--algo", "bnn", "--write-stats"], "TGBNN's stochastic flips"),
        (["train", "--hardware", "curve.json"], "probabilities in [0, 1]"),
        (["train", "--hardware", "rows16.json"], "fan-in 64"),
        (["train", "--algo", "float", "--hardware", "rows64.json"], "no binary hidden layer"),
        (["experiment", "tgbnn", "--datasets", "digits,cifar"], "unknown dataset 'cifar'"),
        (
            ["experiment", "tgbnn", "--datasets", "digits", "--hil-dataset", "wine"],
            "must be one of the studied datasets",
        ),
    ],
)
def test_bad_learning_input(run_cli, tmp_path, args, message):
    (tmp_path / "curve.json").write_text(json.dumps({"rows": 64, "popcount": [0, 64], "p_plus": [0, 2]}))
    (tmp_path / "rows16.json").write_text(json.dumps({"rows": 16, "popcount": [0, 16], "p_plus": [0, 1]}))
    (tmp_path / "rows64.json").write_text(json.dumps({"rows": 64, "popcount": [0, 64], "p_plus": [0, 1]}))
    proc = run_cli(*args, "--epochs", "1", "--out", "out")
    assert proc.returncode == 1, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert lines[-1].startswith("error: ") and message in lines[-1], proc.stderr
    assert "Traceback" not in proc.stderr
    assert not (tmp_path / "out").exists()


def test_train_writes_metrics_weights_and_plot(run_cli, tmp_path):
    proc = run_cli(
        "train",
        "--dataset",
        "digits",
        "--epochs",
        "2",
        "--write-pulse",
        "150uA,10ns",
        "--write-stats",
        "--output-code",
        "ecoc",
        "--code-length",
        "15",
        "--out",
        "run",
        "--json",
    )
    assert proc.returncode == 0, proc.stderr
    metrics = json.loads((tmp_path / "run" / "train.json").read_text())
    assert metrics["output_code"]["length"] == 15 and metrics["output_code"]["min_distance"] == 8
    assert metrics["write_pulse"][0] == {
        "current_a": pytest.approx(150e-6),
        "width_s": pytest.approx(10e-9),
        "rise_s": pytest.approx(47.42e-12, rel=1e-3),  # the write path's (docs/physics.md sec. 4)
    }
    assert metrics["sot_model"]["write_variation"] and metrics["sot_model"]["area_slope"] is not None
    assert all(e > 0 for e in metrics["write_energy_j"]) and metrics["arrays"]["layers"][1]["cols"] == 15
    assert (tmp_path / "run" / "train.png").stat().st_size > 10_000
    assert (tmp_path / "run" / "train.npz").is_file()


def test_experiment_without_hardware(run_cli, tmp_path):
    proc = run_cli(
        "experiment",
        "tgbnn",
        "--datasets",
        "digits",
        "--seeds",
        "2",
        "--hil-dataset",
        "none",
        "--epochs",
        "3",
        "--workers",
        "2",
        "--out",
        "study",
    )
    assert proc.returncode == 0, proc.stderr
    res = json.loads((tmp_path / "study" / "tgbnn.json").read_text())
    entry = res["datasets"]["digits"]
    assert set(res["runs"]) == {"tgbnn", "tgbnn-paper", "bnn-sgd", "bnn", "float"}
    assert (
        entry["tgbnn-paper"]["runs"][0]["config"]["top_m"] == 0
        and entry["bnn-sgd"]["runs"][0]["config"]["algo"] == "bnn-sgd"
    )
    assert entry["tgbnn"]["summary"]["seeds"] == [0, 1] and len(entry["bnn"]["summary"]["test_acc_mean"]) == 3
    assert entry["gap_bnn_minus_tgbnn"] == pytest.approx(
        entry["bnn"]["summary"]["final_mean"] - entry["tgbnn"]["summary"]["final_mean"]
    )
    assert res["ecoc"]["tgbnn"]["output_code"]["length"] == 31
    assert "hardware_in_the_loop" not in res and (tmp_path / "study" / "tgbnn.png").is_file()


def test_bench_train_small(run_cli):
    proc = run_cli("bench", "train", "--n", "3000", "--hidden", "64", "--batch", "200", "--json")
    assert proc.returncode == 0, proc.stderr
    res = json.loads(proc.stdout)
    assert set(res["epoch_s"]) == {"float32_blas", "tgbnn", "tgbnn_paper_rule", "tgbnn_hil", "bnn_sgd", "bnn"}
    assert all(t > 0 for t in res["epoch_s"].values())
    assert res["forward_product_per_batch"]["xnor_popcount_s"] > 0
