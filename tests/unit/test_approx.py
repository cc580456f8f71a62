import json

import numpy as np
import pytest

from mramcim.device.switching import analytic_law
from mramcim.experiments.approx_storage import bit_error_rates
from mramcim.tech import load_tech


@pytest.mark.parametrize("mode", ["stt", "sot"])
def test_ber_falls_with_current_and_width(mode):
    tech = load_tech()
    law = analytic_law(tech, mode)
    currents = list(np.linspace(0.5, 2.0, 25) * law.ic0_a)
    widths = [1e-9, 2e-9, 5e-9, 10e-9, 20e-9]
    ber = bit_error_rates(law, tech.variation.sigma_diameter_rel, currents, widths)
    assert np.all(np.diff(ber, axis=1) <= 1e-12)  # more current, fewer errors
    assert np.all(np.diff(ber, axis=0) <= 1e-12)  # longer pulse, fewer errors
    assert ber[0, 0] > 0.99 and ber[-1, -1] < 1e-9


def test_variation_raises_the_error_floor_of_a_strong_pulse():
    tech = load_tech()
    law = analytic_law(tech, "stt")
    i = [1.1 * law.ic0_a]
    nominal = bit_error_rates(law, 0.0, i, [5e-9])[0, 0]
    varied = bit_error_rates(law, 0.05, i, [5e-9])[0, 0]
    assert varied > nominal > 0  # the averaged BER is dominated by the hardest (largest) cells


def test_approx_storage_cli(run_cli, tmp_path):
    proc = run_cli(
        "experiment", "approx-storage", "--dataset", "digits", "--epochs", "3", "--trials", "2", "--out", "ap"
    )
    assert proc.returncode == 0, proc.stderr
    res = json.loads((tmp_path / "ap" / "approx-storage.json").read_text())
    ref, best = res["reference"], res["best"]
    assert ref["ber"] <= 1e-9 and best["energy_j"] <= ref["energy_j"]
    assert best["accuracy"] >= ref["accuracy"] - 0.01
    assert res["energy_saved"] == pytest.approx(1 - best["energy_j"] / ref["energy_j"])
    acc = np.array(res["accuracy"])
    assert acc.min() < 0.5 < acc.max()  # weak pulses really destroy the network
    assert (tmp_path / "ap" / "approx-storage.png").stat().st_size > 10_000


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--trials", "0"], "trials must be >= 1"),
        (["--currents-ua", "10,20"], "no swept pulse writes reliably"),
        (["--widths-ns", "-1"], "must be positive"),
    ],
)
def test_approx_storage_bad_input(run_cli, tmp_path, args, message):
    proc = run_cli("experiment", "approx-storage", "--dataset", "digits", "--epochs", "1", *args, "--out", "ap")
    assert proc.returncode == 1 and message in proc.stderr.strip().splitlines()[-1], proc.stderr
    assert not (tmp_path / "ap").exists()
