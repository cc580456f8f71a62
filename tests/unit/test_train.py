from dataclasses import replace

import numpy as np
import pytest
from scipy.stats import binom

from mramcim.device.sotcal import SotSwitching, cloglog_p, sot_switching
from mramcim.encoding import TransferCurve
from mramcim.errors import ConfigError, InputError
from mramcim.learn.bnn import BnnSgd
from mramcim.learn.codes import make_codebook
from mramcim.learn.datasets import load_dataset
from mramcim.learn.mapping import ArrayPlan
from mramcim.learn.sotwrite import SotWriter, WritePulse, pulse_for_probability
from mramcim.learn.tgbnn import Tgbnn, sign_f32, strongest_disagreeing, ternarize
from mramcim.learn.train import PAPER_RULE, TrainConfig, config_with, train
from mramcim.tech import derive, load_tech


@pytest.fixture(scope="module")
def digits():
    return load_dataset("digits")


@pytest.fixture(scope="module")
def tech():
    return load_tech()


def _model(d=64, h=32, o=10, seed=0):
    return Tgbnn(d, h, o, ste_scale=0.5, margin_scale=2.0, error_k=0.5, grad_k=1.0, rng=np.random.default_rng(seed))


def _batch(digits, model, n=64):
    x = digits.x_train[:n].astype(np.float32)
    t = make_codebook("onehot", 10).targets(digits.y_train[:n])
    z1 = x @ model.w1.astype(np.float32)
    return x, t, z1, sign_f32(z1)


@pytest.mark.parametrize(("algo", "floor"), [("tgbnn", 0.80), ("bnn-sgd", 0.85), ("bnn", 0.85), ("float", 0.88)])
def test_learns_digits(digits, tech, algo, floor):
    result = train(digits, TrainConfig(algo=algo, epochs=10, seed=0), tech)
    assert result.test_acc[-1] >= floor, result.test_acc


def test_tgbnn_persistent_state_is_two_pm1_arrays(digits, tech):
    model = _model()
    rng = np.random.default_rng(1)
    for _ in range(5):
        x, t, z1, a1 = _batch(digits, model)
        model.update(model.gradients(x, t, z1, a1), (0.2, 0.2), rng)
    arrays = {k: v for k, v in vars(model).items() if isinstance(v, np.ndarray)}
    assert set(arrays) == {"w1", "w2"}
    for w in arrays.values():
        assert w.dtype == np.int8 and set(np.unique(w).tolist()) == {-1, 1}
    scalars = {k: v for k, v in vars(model).items() if k not in arrays}
    assert all(type(v) in (int, float, str) for v in scalars.values()), (
        scalars
    )  # thresholds and rule names, no hidden tensors
    assert isinstance(scalars["window"], int) and isinstance(scalars["margin"], int)


def test_errors_and_gradients_are_ternary(digits):
    model = _model()
    grads = model.gradients(*_batch(digits, model))
    for name in ("e2", "d1", "g1", "g2"):
        values = getattr(grads, name)
        assert values.dtype == np.int8, name
        assert set(np.unique(values).tolist()) <= {-1, 0, 1}, name
        assert np.count_nonzero(values) > 0, name  # a real signal, not all zeros


def test_ternarize_threshold_is_adaptive():
    g = ternarize(np.array([-7, -1, 0, 2, 5, 9]), 1.0)
    assert g.tolist() == [-1, 0, 0, 0, 1, 1]  # mean |non-zero| = 4.8 -> threshold 5
    assert ternarize(np.array([-7, -1, 0, 2, 5, 9]), 0.5).tolist() == [-1, 0, 0, 0, 1, 1]  # threshold 3
    assert ternarize(np.zeros(4), 1.0).tolist() == [0, 0, 0, 0]


@pytest.mark.parametrize("p", [0.02, 0.3])
def test_flip_rate_matches_probability(digits, p):
    model = _model(h=256)
    x, t, z1, a1 = _batch(digits, model, n=256)
    grads = model.gradients(x, t, z1, a1)
    before = [w.copy() for w in model.weights()]
    candidates = sum(int(np.sum(w == -g)) for w, g in zip(before, (grads.g1, grads.g2), strict=True))
    pulses, flips = model.update(grads, (p, p), np.random.default_rng(7))
    changed = sum(int(np.sum(w != b)) for w, b in zip(model.weights(), before, strict=True))
    lo, hi = binom.interval(0.999, candidates, p)
    assert candidates > 500 and lo <= flips <= hi, (candidates, flips)
    assert changed == flips
    assert pulses == [np.count_nonzero(grads.g1), np.count_nonzero(grads.g2)]
    # every flip goes toward the ternary gradient, never against it
    for w, b, g in zip(model.weights(), before, (grads.g1, grads.g2), strict=True):
        moved = w != b
        assert np.all(w[moved] == g[moved])


def test_per_cell_sot_probabilities_follow_the_calibrated_table(tech):
    """Per-cell P_sw from the table's measured area shift: larger cells move as the measurement
    says, the flips follow the per-cell probabilities, and the energy is I^2 R t at the write path's rise."""
    model = sot_switching(tech)
    pulse = pulse_for_probability(model, 0.1, 10e-9)
    assert pulse.rise_s == pytest.approx(model.rise_s)
    assert float(model.p_switch(pulse.current_a, pulse.width_s)) == pytest.approx(0.1, rel=1e-6)
    writer = SotWriter(tech, model, [(400, 500)], variation=True, rng=np.random.default_rng(0))
    p_cells = writer.probabilities(pulse)[0]
    assert p_cells.shape == (400, 500)
    big = writer.scales[0] > 1
    slope = model.calibration.area_slope
    if slope < 0:
        assert p_cells[big].mean() < p_cells[~big].mean()
    expected = cloglog_p(np.log(-np.log1p(-0.1)) + slope * (writer.scales[0] - 1))
    assert np.allclose(p_cells, expected, rtol=1e-5)
    hits = np.random.default_rng(3).random(p_cells.shape) < p_cells
    mean, var = p_cells.sum(), (p_cells * (1 - p_cells)).sum()
    assert abs(hits.sum() - mean) < 5 * np.sqrt(var)
    double = type(pulse)(current_a=2 * pulse.current_a, width_s=pulse.width_s)
    assert writer.energy_per_pulse_j(double) == pytest.approx(4 * writer.energy_per_pulse_j(pulse))  # I^2 R t
    r = derive(tech).r_strip_ohm
    t_eff = 10e-9 + (model.rise_s + tech.operation.t_write_fall_s) / 3
    assert writer.energy_per_pulse_j(pulse) == pytest.approx(pulse.current_a**2 * r * t_eff)


def test_write_stats_need_a_measured_variation(tech):
    bare = SotSwitching(replace(sot_switching(tech).calibration, variation=None), 47e-12)
    with pytest.raises(InputError, match="measured area shift"):
        SotWriter(tech, bare, [(2, 2)], variation=True, rng=np.random.default_rng(0))


def test_training_flips_follow_the_tables_p_sw(digits, tech):
    """One TGBNN update with the table's pulse for p = 0.03 (10 ns, write-path rise): the number of
    flipped candidates lies in the 99.9 % binomial interval of candidates x P_sw(pulse)."""
    model = sot_switching(tech)
    pulse = pulse_for_probability(model, 0.03, 10e-9)
    writer = SotWriter(tech, model, [(64, 256), (256, 10)], variation=False, rng=np.random.default_rng(0))
    net = _model(h=256)
    x, t, z1, a1 = _batch(digits, net, n=512)
    grads = net.gradients(x, t, z1, a1)
    before = [w.copy() for w in net.weights()]
    candidates = sum(int(np.sum(w == -g)) for w, g in zip(before, (grads.g1, grads.g2), strict=True))
    probs = writer.probabilities(pulse)
    _, flips = net.update(grads, (probs[0], probs[1]), np.random.default_rng(11))
    p = float(model.p_switch(pulse.current_a, pulse.width_s))
    lo, hi = binom.interval(0.999, candidates, p)
    assert p == pytest.approx(0.03, rel=1e-6) and candidates > 2000 and lo <= flips <= hi, (candidates, flips)


def test_write_energy_is_pulses_times_pulse_energy(digits, tech):
    result = train(digits, TrainConfig(epochs=2, seed=0), tech)
    writer = SotWriter(tech, sot_switching(tech), [(1, 1)], variation=False, rng=np.random.default_rng(0))
    for pulses, energy, pulse in zip(result.pulses, result.write_energy_j, result.write_pulse, strict=True):
        assert energy == pytest.approx(pulses * writer.energy_per_pulse_j(WritePulse(**pulse)))
    assert result.flip_prob[0] == pytest.approx(0.5) and result.flip_prob[-1] == pytest.approx(0.1)
    paper = train(digits, TrainConfig(epochs=2, seed=0, **PAPER_RULE), tech)
    assert paper.flip_prob[0] == pytest.approx(0.03) and paper.flip_prob[-1] == pytest.approx(0.001)
    assert sum(paper.pulses) > 5 * sum(result.pulses)  # sparse writes: far fewer pulses
    first = result.write_pulse[0]
    assert first["current_a"] == pytest.approx(sot_switching(tech).current_for_probability(0.5, 10e-9))
    assert result.sot_model is not None and result.sot_model["model"].startswith("LLG-calibrated")


def test_ecoc_training_and_hardware_curve(digits, tech):
    result = train(digits, TrainConfig(epochs=3, output_code="ecoc", code_length=15, seed=0), tech)
    assert result.codebook.length == 15 and result.weights[1].shape == (512, 15)
    assert result.test_acc[-1] > 0.5
    ideal = np.arange(65, dtype=float)
    curve = TransferCurve(64, ideal, (ideal >= 32).astype(float))
    hw = train(digits, TrainConfig(epochs=3, seed=0), tech, curve=curve)
    plain = train(digits, TrainConfig(epochs=3, seed=0), tech)
    assert hw.test_acc == plain.test_acc  # a perfect step characteristic is the sign function


def test_hardware_curve_checks(digits, tech):
    curve = TransferCurve.from_json({"rows": 4, "popcount": [0, 2, 4], "p_plus": [0, 1, 1]}, "c.json")
    out = curve.activate(np.array([-4.0, 0.0, 4.0]), np.random.default_rng(0))
    assert out.tolist() == [-1, 1, 1]
    with pytest.raises(InputError, match="probabilities"):
        TransferCurve.from_json({"rows": 4, "popcount": [0, 4], "p_plus": [0, 1.5]}, "c.json")
    wrong = TransferCurve.from_json({"rows": 16, "popcount": [0, 16], "p_plus": [0, 1]}, "c.json")
    with pytest.raises(InputError, match="fan-in 64"):
        train(digits, TrainConfig(epochs=1), tech, curve=wrong)


def test_array_plan_counts():
    half = ArrayPlan(scheme="half", layers=((784, 512), (512, 10)), array_cols=64).summary([2.0, 1.0])
    conv = ArrayPlan(scheme="conventional", layers=((784, 512), (512, 10)), array_cols=64).summary([1.0, 0.5])
    assert half["layers"][0]["arrays"] == 8 and half["layers"][1]["arrays"] == 1
    assert half["layers"][0]["mtj"] == 784 * 512 + 8 * 2 * 784
    assert conv["mtj"] == 2 * half["mtj"]
    assert half["inference_energy_j"] == pytest.approx(512 * 2.0 + 10 * 1.0)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"algo": "sgd"}, "unknown algorithm"),
        ({"flip_prob": 1.5}, r"\[0, 1\]"),
        ({"flip_prob_final": -0.1}, r"\[0, 1\]"),
        ({"flip_prob": 0.0}, "strictly between 0 and 1"),
        ({"hidden": 0}, "hidden"),
    ],
)
def test_bad_config(kwargs, message):
    with pytest.raises(InputError, match=message):
        TrainConfig(**kwargs)


def test_strongest_disagreeing_picks_the_largest_counts_per_column():
    counts = np.array([[5, -1, 2], [-9, 3, -4], [7, -8, 1], [-2, 6, 3]], dtype=np.float32)  # (rows 4, cols 3)
    w = np.array([[-1, 1, -1], [1, -1, 1], [1, 1, 1], [1, -1, -1]], dtype=np.int8)
    # disagreeing (count * w < 0): col 0 rows 0 (5), 1 (9), 3 (2); col 1 rows 0 (1), 1 (3), 2 (8), 3 (6);
    # col 2 rows 0 (2), 1 (4), 3 (3)
    picked = strongest_disagreeing(np.ascontiguousarray(counts.T), w, theta=3, m=2)
    cells = sorted((int(i) // 3, int(i) % 3) for i in picked)
    assert cells == sorted([(1, 0), (0, 0), (2, 1), (3, 1), (1, 2), (3, 2)])  # col 0: 9, 5; col 1: 8, 6; col 2: 4, 3
    assert strongest_disagreeing(np.ascontiguousarray(counts.T), w, theta=9, m=2).tolist() == [1 * 3 + 0]


def test_top_m_writes_at_most_m_cells_per_neuron(digits):
    model = Tgbnn(
        64,
        256,
        10,
        ste_scale=0.5,
        margin_scale=2.0,
        error_k=0.5,
        grad_k=1.0,
        rng=np.random.default_rng(0),
        top_m=2,
        top_m_out=1,
    )
    x, t, z1, a1 = _batch(digits, model, n=256)
    grads = model.gradients(x, t, z1, a1)
    for name in ("g1", "g2"):
        assert set(np.unique(getattr(grads, name)).tolist()) <= {-1, 0, 1}
    before = [w.copy() for w in model.weights()]
    for w, g, write, m in zip(before, (grads.g1, grads.g2), (grads.write1, grads.write2), (2, 1), strict=True):
        rows, cols = np.unravel_index(write, w.shape)
        assert np.all(np.bincount(cols, minlength=w.shape[1]) <= m)
        assert np.all(g[rows, cols] == -w[rows, cols])  # only cells the gradient would flip
        assert write.size > w.shape[1] // 2  # most neurons get their writes
    pulses, flips = model.update(grads, (1.0, 1.0), np.random.default_rng(0))
    assert pulses == [grads.write1.size, grads.write2.size] and flips == sum(pulses)  # p = 1: every written cell flips
    for w, b, m in zip(model.weights(), before, (2, 1), strict=True):
        assert np.all(np.sum(w != b, axis=0) <= m)


def test_top_m_flip_rate_matches_probability(digits):
    model = Tgbnn(
        64,
        512,
        10,
        ste_scale=0.5,
        margin_scale=2.0,
        error_k=0.5,
        grad_k=1.0,
        rng=np.random.default_rng(0),
        top_m=3,
        top_m_out=3,
    )
    grads = model.gradients(*_batch(digits, model, n=256))
    written = grads.write1.size + grads.write2.size
    _, flips = model.update(grads, (0.3, 0.3), np.random.default_rng(5))
    lo, hi = binom.interval(0.999, written, 0.3)
    assert written > 500 and lo <= flips <= hi


def test_config_overrides():
    cfg = config_with(TrainConfig(), ["top_m=3", "flip_prob=0.2", "batch_final=none", "lr=1e-3", "algo=bnn-sgd"])
    assert (cfg.top_m, cfg.flip_prob, cfg.batch_final, cfg.lr, cfg.algo) == (3, 0.2, None, 1e-3, "bnn-sgd")
    with pytest.raises(InputError, match="did you mean 'top_m'"):
        config_with(TrainConfig(), ["top_n=3"])
    with pytest.raises(InputError, match="FIELD=VALUE"):
        config_with(TrainConfig(), ["top_m"])
    with pytest.raises(ConfigError, match="top_m = 'two'"):
        config_with(TrainConfig(), ["top_m=two"])


def test_bnn_sgd_is_plain_sgd_with_a_fixed_rate(digits, tech):
    cfg = TrainConfig(algo="bnn-sgd", epochs=2, seed=0)
    assert cfg.learning_rates()[0] == cfg.learning_rates()[1] > 0
    assert cfg.batch_size(1437) == TrainConfig(epochs=2).batch_size(1437)  # the TGBNN's batches
    result = train(digits, cfg, tech)
    assert result.config.algo == "bnn-sgd" and result.weights[0].dtype == np.int8
    assert result.as_dict()["config"]["lr"] == cfg.learning_rates()[0]
    model = BnnSgd(64, 32, 10, margin=11, rng=np.random.default_rng(0))
    assert {k for k, v in vars(model).items() if not isinstance(v, int)} == {"latent"}  # no optimizer state


def test_batch_schedule():
    cfg = TrainConfig(epochs=3, batch=500, batch_final=2000)
    assert [cfg.epoch_batch(60000, e) for e in range(3)] == [500, 1000, 2000]
    assert [TrainConfig(epochs=3).epoch_batch(60000, e) for e in range(3)] == [500, 1000, 2000]  # TGBNN grows 4x
    assert TrainConfig(epochs=3).epoch_batch(1437, 2) == 89  # small sets keep 16 steps per epoch
    for algo in ("bnn-sgd", "bnn", "float"):
        assert TrainConfig(algo=algo, epochs=3).epoch_batch(60000, 2) == TrainConfig(algo=algo).batch_size(60000)
    assert TrainConfig(algo="bnn-sgd", epochs=3).batch_size(60000) == 500
    assert TrainConfig(epochs=3, batch_growth=1).epoch_batch(60000, 2) == 500
    with pytest.raises(InputError, match="batch growth"):
        TrainConfig(batch_growth=0.5)
