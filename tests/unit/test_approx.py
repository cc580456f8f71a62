import json

import numpy as np
import pytest

from mramcim.device.sotcal import sot_switching
from mramcim.device.switching import analytic_law
from mramcim.errors import InputError
from mramcim.experiments.approx_storage import bit_error_rates, sot_bit_error_rates
from mramcim.tech import load_tech


def test_stt_ber_falls_with_current_and_width():
    tech = load_tech()
    law = analytic_law(tech, "stt")
    currents = list(np.linspace(0.5, 2.0, 25) * law.ic0_a)
    widths = [1e-9, 2e-9, 5e-9, 10e-9, 20e-9]
    ber = bit_error_rates(law, tech.variation.sigma_diameter_rel, currents, widths)
    assert np.all(np.diff(ber, axis=1) <= 1e-12)  # more current, fewer errors
    assert np.all(np.diff(ber, axis=0) <= 1e-12)  # longer pulse, fewer errors
    assert ber[0, 0] > 0.99 and ber[-1, -1] < 1e-9


def test_sot_ber_comes_from_the_calibrated_table():
    """SOT: BER = 1 - P_sw of the table averaged over the area spread; monotone in current, and
    equal to the nominal table where the table has no area shift."""
    tech = load_tech()
    model = sot_switching(tech)
    cal = model.calibration
    currents = list(np.linspace(cal.currents_a[0], cal.currents_a[-1], 30))
    ber = sot_bit_error_rates(model, tech.variation.sigma_diameter_rel, currents, list(cal.widths_s))
    assert np.all(np.diff(ber, axis=1) <= 1e-12) and ber[:, 0].min() > 0.99 and ber[:, -1].max() < 1e-9
    nominal = 1 - model.p_switch(np.asarray(currents), 10e-9)
    spread = 0.0 if cal.variation is None else abs(cal.area_slope)
    assert np.allclose(ber[-1], nominal, atol=0.05 * spread + 1e-12)
    with pytest.raises(InputError, match="width 20 ns outside"):
        sot_bit_error_rates(model, 0.02, currents, [20e-9])


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


def test_approx_storage_sot_cli(run_cli, tmp_path):
    proc = run_cli(
        "experiment", "approx-storage", "--dataset", "digits", "--epochs", "2", "--trials", "2", "--mode", "sot",
        "--out", "ap",
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    res = json.loads((tmp_path / "ap" / "approx-storage.json").read_text())
    assert res["mode"] == "sot" and res["widths_s"] == pytest.approx([2e-9, 5e-9, 10e-9])
    assert res["sot_model"]["model"].startswith("LLG-calibrated") and "law" not in res
    assert min(res["currents_a"]) == pytest.approx(110e-6) and max(res["currents_a"]) == pytest.approx(250e-6)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--trials", "0"], "trials must be >= 1"),
        (["--mode", "sot", "--widths-ns", "20"], "width 20 ns outside 2..10 ns"),
        (["--currents-ua", "10,20"], "no swept pulse writes reliably"),
        (["--widths-ns", "-1"], "must be positive"),
    ],
)
def test_approx_storage_bad_input(run_cli, tmp_path, args, message):
    proc = run_cli("experiment", "approx-storage", "--dataset", "digits", "--epochs", "1", *args, "--out", "ap")
    assert proc.returncode == 1 and message in proc.stderr.strip().splitlines()[-1], proc.stderr
    assert not (tmp_path / "ap").exists()
