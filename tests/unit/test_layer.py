"""A layer on sub-arrays (array/layer.py) against the one-netlist reference solves: hierarchical
bit lines (circuit/hiernet.py + SuperLU), flat single arrays and per-sub-array ADC reads (readnet +
SuperLU), both schemes; the toggle phase; ADC codes; invalid mappings."""

import numpy as np
import pytest

from mramcim.array.layer import HardwareLayer, LayerMapping, replica_states
from mramcim.circuit.hiernet import build_hierarchical, segment_bounds
from mramcim.circuit.readnet import build_network, solve_scipy
from mramcim.encoding import threshold_popcount
from mramcim.errors import ConfigError, InputError

SCHEMES = ["half", "conventional"]


def _operands(d, h, seed):
    rng = np.random.default_rng(seed)
    return rng.choice(np.array([-1, 1], dtype=np.int8), size=(d, h)), rng.choice(
        np.array([-1, 1], dtype=np.int8), size=d
    )


def _refs(d):
    k = threshold_popcount(d)
    return np.stack([replica_states(d, k), replica_states(d, k - 1)], axis=1)


def _states(scheme, w, x, refs):
    if scheme == "half":
        return {"rl": np.hstack([x[:, None] * w, refs]).astype(np.int8)}, None
    return {"rla": np.hstack([w, refs]).astype(np.int8), "rlb": np.hstack([-w, refs]).astype(np.int8)}, None


def _volts(tech, scheme, x):
    v = tech.operation.v_read_v
    if scheme == "half":
        return {"rl": np.full(x.size, v)}
    return {"rla": np.where(x > 0, v, 0.0), "rlb": np.where(x < 0, v, 0.0)}


@pytest.mark.parametrize("scheme", SCHEMES)
def test_hierarchical_layer_equals_one_netlist(tech, scheme):
    d, h, r = 21, 4, 8
    w, x = _operands(d, h, 0)
    mapping = LayerMapping(scheme=scheme, mapping="hierarchical", rows=r, cols=h, global_width=4.0, tap_ohm=30.0)
    layer = HardwareLayer(tech, w, mapping)
    got = layer.read(x[None])
    states, _ = _states(scheme, w, x, _refs(d))
    net = build_hierarchical(
        tech,
        states,
        _volts(tech, scheme, x),
        scheme=scheme,
        segment_rows=r,
        global_ohm_per_pitch=tech.wires.r_bl_ohm / 4.0,
        tap_ohm=30.0,
        ref_cols=2,
    )
    ref = solve_scipy(net).sense_currents(net)
    np.testing.assert_allclose(got.currents_a[0], ref[:h], rtol=1e-9)
    np.testing.assert_allclose(got.reference_a[0, 0], ref[h:].mean(), rtol=1e-9)
    assert got.global_iterations and max(got.global_iterations) < 30
    expected = np.where(ref[:h] > ref[h:].mean(), 1, -1)
    np.testing.assert_array_equal(got.activations[0], expected)


@pytest.mark.parametrize("scheme", SCHEMES)
def test_single_and_adc_layers_equal_their_flat_arrays(tech, scheme):
    d, h = 12, 5
    w, x = _operands(d, h, 1)
    single = HardwareLayer(tech, w, LayerMapping(scheme=scheme, mapping="single", rows=4, cols=3)).read(x[None])
    for c0, c in ((0, 3), (3, 2)):
        states, _ = _states(scheme, w[:, c0 : c0 + c], x, _refs(d))
        net = build_network(tech, states, _volts(tech, scheme, x), scheme=scheme, parasitics="mesh", ref_cols=2)
        ref = solve_scipy(net).sense_currents(net)
        np.testing.assert_allclose(single.currents_a[0, c0 : c0 + c], ref[:c], rtol=1e-9)
    adc = HardwareLayer(tech, w, LayerMapping(scheme=scheme, mapping="adc", rows=4, cols=5)).read(x[None])
    for b, r0 in enumerate(range(0, d, 4)):
        ends = np.stack([np.ones(4, dtype=np.int8), -np.ones(4, dtype=np.int8)], axis=1)
        states, _ = _states(scheme, w[r0 : r0 + 4], x[r0 : r0 + 4], ends)
        net = build_network(
            tech, states, _volts(tech, scheme, x[r0 : r0 + 4]), scheme=scheme, parasitics="mesh", ref_cols=2
        )
        ref = solve_scipy(net).sense_currents(net)
        np.testing.assert_allclose(adc.currents_a[0, b], ref[:h], rtol=1e-9)
    # a full-resolution ADC on short bit lines recovers every partial popcount, so the sign is exact
    k = ((x[:, None] * w) > 0).reshape(3, 4, h).sum(axis=1)
    np.testing.assert_allclose(adc.partial_codes[0], k, atol=1e-12)
    np.testing.assert_array_equal(adc.activations[0], np.where(k.sum(0) >= threshold_popcount(d), 1, -1))


def test_one_bit_adc_quantizes(tech):
    w, x = _operands(16, 3, 2)
    one = HardwareLayer(tech, w, LayerMapping(scheme="half", mapping="adc", rows=8, cols=3, adc_bits=1)).read(x[None])
    assert set(np.unique(one.partial_codes)) <= {0.0, 8.0}


def test_toggle_phase_counts_pulsed_cells(tech):
    from mramcim.array.layer import load_wide_toggle_map

    w, x = _operands(32, 4, 3)
    layer = HardwareLayer(
        tech, w, LayerMapping(scheme="half", mapping="hierarchical", rows=16, cols=4), toggle_map=load_wide_toggle_map()
    )
    got = layer.read(np.stack([x, -x]), rng=np.random.default_rng(0))
    assert got.pulsed_cells == 32 * 4  # every row is pulsed in exactly one of x, -x
    assert got.toggle_failures == 0  # short segments: every MTJ sees ~V_vcma


def test_flat_784_row_toggle_fails_far_from_the_sense_amplifier(tech):
    from mramcim.array.layer import load_wide_toggle_map

    w, x = _operands(784, 2, 0)
    layer = HardwareLayer(
        tech, w, LayerMapping(scheme="half", mapping="single", cols=2), toggle_map=load_wide_toggle_map()
    )
    got = layer.read(x[None], rng=np.random.default_rng(0))
    assert got.toggle_failures > 0.3 * got.pulsed_cells  # the flagship failure, predicted


def test_invalid_mappings():
    with pytest.raises(ConfigError, match="mapping"):
        LayerMapping(mapping="analog")
    with pytest.raises((ConfigError, InputError), match="adc_bits"):
        LayerMapping(mapping="hierarchical", adc_bits=3)
    with pytest.raises((ConfigError, InputError), match="exceeds"):
        LayerMapping(mapping="adc", rows=15, adc_bits=5)
    with pytest.raises(InputError, match="rows"):
        segment_bounds(0, 4)


def test_gen_array_flat_784_warns_with_predicted_rates():
    from mramcim.array.decks import ArrayDeckSpec, array_deck
    from mramcim.errors import MramcimWarning

    with pytest.warns(MramcimWarning, match=r"predicted toggle failure rate [0-9.]+% .* sense error rate"):
        text = array_deck(ArrayDeckSpec(rows=784, cols=2, bitline="flat"))
    assert "Rtap" not in text and "hierarchical bit lines" not in text


def test_gen_array_default_predicted_to_work(tech):
    from mramcim.array.decks import ArrayDeckSpec, predict_deck_errors

    pred = predict_deck_errors(tech, ArrayDeckSpec(rows=784, cols=2), trials=2)
    assert pred.toggle_failure_rate <= 0.01 and pred.sense_error_rate == 0.0
    flat = predict_deck_errors(tech, ArrayDeckSpec(rows=784, cols=2, bitline="flat"), trials=2)
    assert flat.toggle_failure_rate > 0.3


@pytest.mark.parametrize("scheme", SCHEMES)
@pytest.mark.parametrize("mapping", ["hierarchical", "adc", "single"])
def test_spice_network_equals_the_fast_path(tech, scheme, mapping):
    """The one-netlist form of a read (what ngspice solves) gives the fast path's decisions and currents."""
    w, x = _operands(20, 5, 4)
    layer = HardwareLayer(tech, w, LayerMapping(scheme=scheme, mapping=mapping, rows=8, cols=3, global_width=4.0))
    res, _, _ = layer.read_resistances(x, np.random.default_rng(0))
    net, where = layer.spice_network(res, x)
    act, cur = layer.decide(x, solve_scipy(net).sense_currents(net), where)
    fast_act, fast_cur = layer.fast_decide(x, res)
    np.testing.assert_allclose(cur, fast_cur, rtol=1e-9)
    np.testing.assert_array_equal(act, fast_act)


@pytest.mark.parametrize("mapping", ["hierarchical", "adc"])
def test_spice_network_by_column_block_equals_the_whole(tech, mapping):
    w, x = _operands(20, 7, 5)
    layer = HardwareLayer(tech, w, LayerMapping(scheme="half", mapping=mapping, rows=8, cols=3, global_width=4.0))
    res, _, _ = layer.read_resistances(x, np.random.default_rng(0))
    parts = [layer.spice_network(res, x, col_block=k) for k in range(len(layer.col_blocks))]
    act, cur = layer.decide(x, [solve_scipy(n).sense_currents(n) for n, _ in parts], [wh for _, wh in parts])
    fast_act, fast_cur = layer.fast_decide(x, res)
    np.testing.assert_allclose(cur, fast_cur, rtol=1e-9)
    np.testing.assert_array_equal(act, fast_act)
