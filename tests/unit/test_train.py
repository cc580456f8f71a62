import numpy as np
import pytest

from mramcim.datasets import load_dataset, read_idx
from mramcim.errors import InputError
from mramcim.train import HardwareCurve, TrainConfig, _ternarize, _Tgbnn, train


@pytest.fixture(scope="module")
def digits():
    return load_dataset("digits")


@pytest.mark.parametrize("algo", ["tgbnn", "bnn"])
def test_reaches_75_percent_on_digits(digits, algo):
    result = train(digits, TrainConfig(algo=algo, epochs=10, seed=0))
    assert result.test_acc[-1] >= 0.75, result.test_acc


def test_tgbnn_state_is_only_binary_weights(digits):
    rng = np.random.default_rng(0)
    cfg = TrainConfig()
    model = _Tgbnn(64, 32, 10, cfg, rng)
    targets = -np.ones((16, 10), dtype=np.int8)
    targets[np.arange(16), digits.y_train[:16]] = 1
    model.step(digits.x_train[:16], targets, None, rng)
    arrays = {k: v for k, v in vars(model).items() if isinstance(v, np.ndarray)}
    assert set(arrays) == {"w1", "w2"}
    for w in arrays.values():
        assert w.dtype == np.int8 and set(np.unique(w)) <= {-1, 1}
    assert all(isinstance(v, int | TrainConfig) for k, v in vars(model).items() if k not in arrays)


def test_ternarize_is_ternary_and_thresholded():
    g = _ternarize(np.array([-7, -1, 0, 2, 5, 9]))
    assert set(np.unique(g)) <= {-1, 0, 1}
    # mean |non-zero| = 4.8 -> threshold 5
    assert g.tolist() == [-1, 0, 0, 0, 1, 1]


def test_hardware_curve_checks():
    curve = HardwareCurve.from_json({"rows": 4, "popcount": [0, 2, 4], "p_plus": [0, 1, 1]}, "c.json")
    out = curve.activate(np.array([-4, 0, 4], dtype=np.int32), np.random.default_rng(0))
    assert out.tolist() == [-1, 1, 1]
    with pytest.raises(InputError, match="probabilities"):
        HardwareCurve.from_json({"rows": 4, "popcount": [0, 4], "p_plus": [0, 1.5]}, "c.json")


def test_hardware_rows_must_match_fan_in(digits):
    curve = HardwareCurve.from_json({"rows": 16, "popcount": [0, 16], "p_plus": [0, 1]}, "c.json")
    with pytest.raises(InputError, match="fan-in 64"):
        train(digits, TrainConfig(epochs=1), curve)


@pytest.mark.parametrize(("kwargs", "message"), [({"algo": "sgd"}, "unknown algorithm"), ({"flip_prob": 1.5}, r"\[0, 1\]")])
def test_bad_config(kwargs, message):
    with pytest.raises(InputError, match=message):
        TrainConfig(**kwargs)


def test_unknown_dataset():
    with pytest.raises(InputError, match="did you mean 'wine'"):
        load_dataset("wien")


def test_idx_checksum_is_verified(tmp_path):
    import gzip

    payload = gzip.compress(bytes([0, 0, 8, 1, 0, 0, 0, 3, 1, 2, 3]))
    path = tmp_path / "x-idx1-ubyte.gz"
    path.write_bytes(payload)
    assert read_idx(path).tolist() == [1, 2, 3]
    with pytest.raises(InputError, match="checksum mismatch"):
        read_idx(path, md5="0" * 32)
