"""The network side of the sigmoid neuron: device tables, training with the device slope, CLI."""

import json

import numpy as np
import pytest

from mramcim.device.neuron import NeuronModel, logistic_current_scale
from mramcim.learn.datasets import load_grey
from mramcim.learn.sigmoid_net import DeviceNeurons, Logistic, MlpConfig, accuracy, train_mlp


def closed_form_char(tech, noise=False):
    """A characterization built from the closed form (stands in for ngspice in network tests)."""
    model = NeuronModel.from_tech(tech)
    i = np.linspace(-16e-3, 16e-3, 33)
    mz = model.mz(i)
    r = 1 / np.linspace(1, 2, 33)  # resistances only enter the read energy
    char = {
        "fit": model.as_dict(),
        "logistic_current_scale_a": logistic_current_scale(model),
        "currents_a": i.tolist(),
        "activation": (0.5 * (1 + mz)).tolist(),
        "mx": np.sqrt(1 - mz**2).tolist(),
        "r_z_ohm": r.tolist(),
        "r_x_ohm": r.tolist(),
        "t_eval_s": 30e-9,
        "neuron": tech.neuron.model_dump(),
    }
    if noise:
        char["noise"] = {
            "trials": 4,
            "sigma_z_mean": char["activation"],
            "sigma_z_std": [0.01] * 33,
            "sigma_x_mean": (0.5 * (1 + np.sqrt(1 - mz**2))).tolist(),
            "sigma_x_std": [0.01] * 33,
        }
    return char


def test_nominal_device_is_close_to_the_logistic_and_its_slope(tech):
    dev = DeviceNeurons.build(closed_form_char(tech), 1, sigma_rel=0.0, noise=False, rng=np.random.default_rng(0))
    z = np.linspace(-8, 8, 161, dtype=np.float32)[:, None]
    h, s = dev(z, np.random.default_rng(0))
    ref, ref_s = Logistic()(z, np.random.default_rng(0))
    assert np.max(np.abs(h - ref)) < 0.02 and np.max(np.abs(s - ref_s)) < 0.02
    assert np.all((h >= 0) & (h <= 1))
    assert np.allclose(h + h[::-1], 1, atol=1e-4)  # symmetric like the logistic


def test_device_spread_and_noise_change_each_neuron(tech):
    rng = np.random.default_rng(1)
    dev = DeviceNeurons.build(closed_form_char(tech, noise=True), 8, sigma_rel=0.1, noise=True, rng=rng)
    z = np.full((500, 8), 1.0, dtype=np.float32)
    h, _ = dev(z, rng)
    means = h.mean(0)
    assert np.ptp(means) > 0.005  # neurons differ
    assert h[:, 0].std() == pytest.approx(0.01, rel=0.2)  # the tabulated readout noise
    with pytest.raises(Exception, match="no thermal noise"):
        DeviceNeurons.build(closed_form_char(tech), 8, sigma_rel=0.1, noise=True, rng=rng)


def test_training_through_the_device_slope_learns_digits(tech):
    data = load_grey("digits")
    cfg = MlpConfig(hidden=32, epochs=15, lr=3e-3, seed=0)
    dev = DeviceNeurons.build(
        closed_form_char(tech, noise=True), 32, sigma_rel=0.05, noise=True, rng=np.random.default_rng(0)
    )
    net, hist = train_mlp(data, cfg, dev)
    assert hist[-1] > 0.85 and hist[-1] > hist[0]
    software, sw_hist = train_mlp(data, cfg, Logistic())
    rng = np.random.default_rng(0)
    assert accuracy(software, data.x_test, data.y_test, dev, rng) > sw_hist[-1] - 0.05  # transfer works


def test_sigmoid_experiment_cli(run_cli, tmp_path, tech):
    (tmp_path / "char.json").write_text(json.dumps(closed_form_char(tech, noise=True)))
    proc = run_cli(
        "experiment",
        "sigmoid-neuron",
        "--dataset",
        "digits",
        "--hidden",
        "16",
        "--epochs",
        "2",
        "--draws",
        "2",
        "--char",
        "char.json",
        "--out",
        "sig",
    )
    assert proc.returncode == 0, proc.stderr
    res = json.loads((tmp_path / "sig" / "sigmoid-neuron.json").read_text())
    assert (tmp_path / "sig" / "sigmoid-neuron.png").stat().st_size > 0
    assert res["provenance"]["characterization"] == "char.json" and res["thermal_noise"]
    assert res["transfer_nominal_loss"] == pytest.approx(res["software_accuracy"] - res["transfer_nominal_accuracy"])
    assert [r["sigma_rel"] for r in res["robustness"]] == [0.0, 0.05, 0.1, 0.2]
    assert res["energy_per_activation_j"] > 0 and "reference" in res


@pytest.mark.parametrize(
    "args, message",
    [
        (["--hidden", "0"], "hidden units"),
        (["--dataset", "wine"], "unknown dataset"),
        (["--char", "bad.json"], "not a neuron characterization"),
        (["--lr", "2"], "learning rate"),
    ],
)
def test_sigmoid_experiment_bad_input(run_cli, tmp_path, args, message):
    (tmp_path / "bad.json").write_text(json.dumps({"something": 1}))
    base = ["experiment", "sigmoid-neuron", "--dataset", "digits", "--char", "bad.json", "--out", "o"]
    proc = run_cli(*base, *args) if "--char" not in args else run_cli(*base[:-4], *args, "--out", "o")
    assert proc.returncode == 1 and message in proc.stderr and "Traceback" not in proc.stderr
    assert not (tmp_path / "o").exists()


@pytest.mark.parametrize(
    "args, message",
    [
        (["--currents-ma", "a:b:3"], "--currents-ma"),
        (["--currents-ma", "1,2"], "at least 3"),
        (["--trials", "1"], "thermal trials"),
        (["--currents-ma", "1,1,2"], "distinct"),
    ],
)
def test_characterize_neuron_bad_input(run_cli, tmp_path, args, message):
    proc = run_cli("characterize", "neuron", *args, "--out", "o")
    assert proc.returncode == 1 and message in proc.stderr and "Traceback" not in proc.stderr
    assert not (tmp_path / "o").exists()


def test_gen_cell_neuron_deck_passes_erc(run_cli, tmp_path):
    proc = run_cli("gen-cell", "neuron", "-o", "n.cir")
    assert proc.returncode == 0, proc.stderr
    text = (tmp_path / "n.cir").read_text()
    assert text.count("mtj_neuron\n") == 9 + 1  # 9 instances and the .ends line
    check = run_cli("check", "n.cir")
    assert check.returncode == 0 and "ERC clean" in check.stdout


def test_technology_without_neuron_section_gives_a_clear_error(run_cli, tmp_path, tech):
    import yaml

    data = tech.model_dump(mode="json")
    del data["neuron"]
    (tmp_path / "t.yaml").write_text(yaml.safe_dump(data))
    proc = run_cli("gen-cell", "neuron", "--tech", "t.yaml")
    assert proc.returncode == 1 and "no `neuron:` section" in proc.stderr
