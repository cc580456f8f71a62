"""The fast read-network path against the reference: vectorized assembly equal to build_network
element by element, line-preconditioned CG and sparse Cholesky equal to the SuperLU nodal solve
for every scheme, wiring and the passive crossbar, batched reads equal to one-by-one solves,
Ohm's law limits."""

import numpy as np
import pytest

from mramcim.array.crossbar import build_crossbar, line_voltages
from mramcim.array.crossbar import cell_resistances as crossbar_cells
from mramcim.array.fastread import ArrayReader
from mramcim.array.read import ReadSetup, read_mac
from mramcim.circuit.fastsolve import (
    BACKENDS,
    CholeskySolver,
    LinePcgSolver,
    backend_available,
    solve_cholesky,
    solve_fast,
)
from mramcim.circuit.readnet import ArrayNetwork, assemble_network, build_network_elementwise, solve_scipy
from mramcim.device.cell import read_path_resistances as cell_resistances
from mramcim.device.variation import PASSIVE_SPREADS, DeviceSample
from mramcim.errors import ConfigError, InputError
from mramcim.options import Bias
from mramcim.tech import load_passive_tech, override

SCHEMES = ["half", "conventional"]
PARASITICS = ["none", "lumped", "mesh"]
INSTALLED = [b for b in BACKENDS if backend_available(b)]


def _operands(tech, scheme, rows, cols, refs, rng):
    sets = ["rl"] if scheme == "half" else ["rla", "rlb"]
    states = {p: rng.choice(np.array([-1, 1], dtype=np.int8), size=(rows, cols + refs)) for p in sets}
    volts = {p: tech.operation.v_read_v * rng.random(rows) for p in sets}
    return states, volts, DeviceSample.sample(tech, (len(sets), rows, cols + refs), rng)


def _rel(a, b):
    return float(np.max(np.abs(np.asarray(a) / np.asarray(b) - 1)))


@pytest.mark.parametrize("scheme", SCHEMES)
@pytest.mark.parametrize("parasitics", PARASITICS)
@pytest.mark.parametrize("refs", [0, 2])
def test_assembly_equals_build_network(tech, scheme, parasitics, refs):
    states, volts, devices = _operands(tech, scheme, 6, 5, refs, np.random.default_rng(0))
    ref = build_network_elementwise(
        tech, states, volts, scheme=scheme, parasitics=parasitics, devices=devices, ref_cols=refs
    )
    fast = assemble_network(tech, states, volts, scheme=scheme, parasitics=parasitics, devices=devices, ref_cols=refs)
    assert list(fast.node_names) == list(ref.node_names)
    assert list(fast.res_names) == list(ref.res_names)
    assert list(fast.src_names) == list(ref.src_names)
    for name in ("res_a", "res_b", "res_ohm", "res_block", "src_node", "src_volts", "sense_src"):
        np.testing.assert_array_equal(getattr(fast, name), getattr(ref, name), err_msg=name)
    assert fast.cell_res.keys() == ref.cell_res.keys()
    for p in ref.cell_res:
        np.testing.assert_array_equal(fast.cell_res[p], ref.cell_res[p])


def test_assembly_refuses_bad_input(tech):
    with pytest.raises(ConfigError, match="parasitics"):
        assemble_network(tech, {"rl": np.ones((2, 2))}, {"rl": np.ones(2)}, scheme="half", parasitics="wire")
    with pytest.raises(InputError, match="only"):
        assemble_network(tech, {"rl": np.zeros((2, 2))}, {"rl": np.ones(2)}, scheme="half", parasitics="mesh")
    with pytest.raises(InputError, match="driver voltages"):
        assemble_network(tech, {"rl": np.ones((2, 2))}, {"rl": np.ones(3)}, scheme="half", parasitics="mesh")


@pytest.mark.parametrize("backend", INSTALLED)
@pytest.mark.parametrize("scheme", SCHEMES)
@pytest.mark.parametrize("parasitics", PARASITICS)
def test_cholesky_equals_superlu_reference(tech, backend, scheme, parasitics):
    states, volts, devices = _operands(tech, scheme, 40, 9, 2, np.random.default_rng(1))
    net = assemble_network(tech, states, volts, scheme=scheme, parasitics=parasitics, devices=devices, ref_cols=2)
    ref = solve_scipy(net)
    sol = solve_cholesky(net, backend=backend)
    assert _rel(sol.sense_currents(net), ref.sense_currents(net)) <= 1e-11
    scale = np.max(np.abs(ref.src_current))
    assert np.max(np.abs(sol.src_current - ref.src_current)) <= 1e-11 * scale
    assert np.max(np.abs(sol.volts - ref.volts)) <= 1e-12 * tech.operation.v_read_v


@pytest.mark.parametrize("scheme", SCHEMES)
@pytest.mark.parametrize("parasitics", PARASITICS)
@pytest.mark.parametrize("wire_ohm", [1.0, 5.0])
def test_line_pcg_equals_superlu_reference(tech, scheme, parasitics, wire_ohm):
    t = override(tech, wires={"r_wl_ohm": wire_ohm, "r_bl_ohm": wire_ohm})
    states, volts, devices = _operands(t, scheme, 40, 9, 2, np.random.default_rng(10))
    net = assemble_network(t, states, volts, scheme=scheme, parasitics=parasitics, devices=devices, ref_cols=2)
    ref = solve_scipy(net)
    solver = LinePcgSolver(net)
    sol = solver.solve(net.res_ohm, net.src_volts)
    assert _rel(sol.sense_currents(net), ref.sense_currents(net)) <= 1e-11
    assert np.max(np.abs(sol.volts - ref.volts)) <= 1e-12 * t.operation.v_read_v
    assert np.max(np.abs(sol.src_current - ref.src_current)) <= 1e-11 * np.max(np.abs(ref.src_current))
    assert _rel(solve_fast(net).sense_currents(net), ref.sense_currents(net)) <= 1e-11
    assert max(solver.iterations) <= 20


def test_line_pcg_falls_back_to_cholesky(tech):
    states, volts, _ = _operands(tech, "half", 30, 6, 0, np.random.default_rng(11))
    net = assemble_network(tech, states, volts, scheme="half", parasitics="mesh")
    got = LinePcgSolver(net, max_iter=1).sense_currents(net.res_ohm, net.src_volts)[0]
    assert _rel(got, solve_scipy(net).sense_currents(net)) <= 1e-11


def test_line_pcg_needs_cells_between_lines():
    net = ArrayNetwork(
        scheme="half",
        parasitics="none",
        rows=1,
        cols=1,
        ref_cols=0,
        node_names=["0", "a", "b"],
        res_a=np.array([1]),
        res_b=np.array([2]),
        res_ohm=np.array([1.0]),
        res_block=np.array([0]),
        res_names=["R1"],
        src_names=["V1", "V2"],
        src_node=np.array([1, 2]),
        src_volts=np.array([1.0, 0.0]),
        sense_src=np.array([1]),
    )
    assert not LinePcgSolver.applies(net)
    with pytest.raises(InputError, match="lines"):
        LinePcgSolver(net)
    assert solve_fast(net).sense_currents(net)[0] == pytest.approx(1.0, rel=1e-14)  # the Cholesky path


@pytest.mark.parametrize("bias", list(Bias))
@pytest.mark.parametrize("parasitics", ["none", "mesh"])
def test_line_pcg_solves_the_passive_crossbar(bias, parasitics):
    ptech = load_passive_tech()
    rng = np.random.default_rng(12)
    r = crossbar_cells(
        ptech, DeviceSample.sample(ptech, (15, 15), rng, PASSIVE_SPREADS), rng.choice([-1, 1], size=(15, 15)), 0.1
    )
    row_v, col_v = line_voltages(bias, 15, 15, [0], [14], 0.1)
    net = build_crossbar(ptech, r, row_v, col_v, parasitics=parasitics)
    assert LinePcgSolver.applies(net) or (parasitics == "none" and bias != "float")  # ideal: no free node
    assert _rel(solve_fast(net).sense_currents(net), solve_scipy(net).sense_currents(net)) <= 1e-10


@pytest.mark.parametrize("bias", list(Bias))
@pytest.mark.parametrize("parasitics", ["none", "mesh"])
def test_cholesky_solves_the_passive_crossbar(bias, parasitics):
    ptech = load_passive_tech()
    rng = np.random.default_rng(2)
    r = crossbar_cells(
        ptech, DeviceSample.sample(ptech, (15, 15), rng, PASSIVE_SPREADS), rng.choice([-1, 1], size=(15, 15)), 0.1
    )
    row_v, col_v = line_voltages(bias, 15, 15, [0], [14], 0.1)
    net = build_crossbar(ptech, r, row_v, col_v, parasitics=parasitics)
    assert _rel(solve_cholesky(net).sense_currents(net), solve_scipy(net).sense_currents(net)) <= 1e-10


def test_single_cell_obeys_ohms_law(tech):
    net = assemble_network(
        tech, {"rl": np.ones((1, 1), dtype=np.int8)}, {"rl": np.array([0.1])}, scheme="half", parasitics="mesh"
    )
    r = cell_resistances(tech)
    ohm = 0.1 / (tech.drivers.r_out_ohm + tech.wires.r_wl_ohm + r.mtj_p + r.access_p + tech.wires.r_bl_ohm)
    assert solve_cholesky(net).sense_currents(net)[0] == pytest.approx(ohm, rel=1e-13)
    assert solve_fast(net).sense_currents(net)[0] == pytest.approx(ohm, rel=1e-13)


def test_ideal_wires_sum_ohms_law_per_column(tech):
    """With ideal wires a driver's resistor is the only drop: every cell of row i sees the
    row-line voltage V_i - R_out * (sum of its cells' currents), so the network is solvable by hand."""
    rng = np.random.default_rng(3)
    states, volts, _ = _operands(tech, "half", 12, 7, 0, rng)
    net = assemble_network(tech, states, volts, scheme="half", parasitics="none")
    g = 1 / net.res_ohm[net.cell_res["rl"]]  # (rows, cols)
    line = volts["rl"] / (1 + tech.drivers.r_out_ohm * g.sum(axis=1))
    expected = (g * line[:, None]).sum(axis=0)
    assert _rel(solve_cholesky(net).sense_currents(net), expected) <= 1e-13
    assert _rel(solve_fast(net).sense_currents(net), expected) <= 1e-13


@pytest.mark.parametrize("scheme", SCHEMES)
def test_batched_reads_equal_one_by_one(tech, scheme):
    rng = np.random.default_rng(4)
    reader = ArrayReader(tech, 24, 6, scheme=scheme, parasitics="mesh", ref_cols=2)
    sets = reader.sets
    n = 9  # above SHARED_MIN_READS: the shared-states reads take the Cholesky path
    states = {p: rng.choice(np.array([-1, 1], dtype=np.int8), size=(n, 24, 8)) for p in sets}
    volts = {p: 0.1 * rng.random((n, 24)) for p in sets}
    devices = DeviceSample.sample(tech, (len(sets), 24, 8), rng)
    batch = reader.currents(states, volts, devices)
    for k in range(n):
        net = build_network_elementwise(
            tech,
            {p: states[p][k] for p in sets},
            {p: volts[p][k] for p in sets},
            scheme=scheme,
            parasitics="mesh",
            devices=devices,
            ref_cols=2,
        )
        assert _rel(batch[k], solve_scipy(net).sense_currents(net)) <= 1e-11
    shared = reader.currents({p: states[p][0] for p in sets}, volts, devices)  # one factorization, n RHS
    for k in range(n):
        net = build_network_elementwise(
            tech,
            {p: states[p][0] for p in sets},
            {p: volts[p][k] for p in sets},
            scheme=scheme,
            parasitics="mesh",
            devices=devices,
            ref_cols=2,
        )
        assert _rel(shared[k], solve_scipy(net).sense_currents(net)) <= 1e-11


@pytest.mark.parametrize("scheme", SCHEMES)
def test_mac_currents_equal_the_reference_read(tech, scheme):
    rng = np.random.default_rng(5)
    rows, cols = 20, 5
    w = rng.choice(np.array([-1, 1], dtype=np.int8), size=(rows, cols))
    x = rng.choice(np.array([-1, 1], dtype=np.int8), size=(9, rows))  # conventional: the read-matrix path
    ref_states = rng.choice(np.array([-1, 1], dtype=np.int8), size=(rows, 2))
    reader = ArrayReader(tech, rows, cols, scheme=scheme, parasitics="mesh", ref_cols=2)
    got = reader.mac_currents(w, x, ref_states=ref_states)
    assert _rel(reader.mac_currents(w, x[:2], ref_states=ref_states), got[:2]) <= 1e-11  # the per-input path
    v = tech.operation.v_read_v
    for k, xk in enumerate(x):
        if scheme == "half":
            states = {"rl": np.hstack([xk[:, None] * w, ref_states])}
            volts = {"rl": np.full(rows, v)}
        else:
            states = {"rla": np.hstack([w, ref_states]), "rlb": np.hstack([-w, ref_states])}
            volts = {"rla": np.where(xk > 0, v, 0.0), "rlb": np.where(xk < 0, v, 0.0)}
        net = build_network_elementwise(tech, states, volts, scheme=scheme, parasitics="mesh", ref_cols=2)
        assert _rel(got[k], solve_scipy(net).sense_currents(net)) <= 1e-11


@pytest.mark.parametrize("ordering", ["metis", "amd", "natural"])
def test_every_ordering_gives_the_same_answer(tech, ordering):
    states, volts, _ = _operands(tech, "half", 20, 6, 0, np.random.default_rng(9))
    net = assemble_network(tech, states, volts, scheme="half", parasitics="mesh")
    got = CholeskySolver(net, ordering=ordering).solve(net.res_ohm, net.src_volts)
    assert _rel(got.sense_currents(net), solve_scipy(net).sense_currents(net)) <= 1e-11


def test_read_matrix_is_the_linear_map_of_the_sources(tech):
    states, volts, devices = _operands(tech, "conventional", 16, 4, 0, np.random.default_rng(6))
    net = assemble_network(tech, states, volts, scheme="conventional", parasitics="mesh", devices=devices)
    m = CholeskySolver(net).factor(net.res_ohm).read_matrix(chunk=3)
    assert _rel(m @ net.src_volts, solve_scipy(net).sense_currents(net)) <= 1e-11


@pytest.mark.parametrize("backend", INSTALLED)
def test_floating_node_is_refused(backend):
    """Nodes 3 and 4 hang together with no path to a source: A is singular."""
    net = ArrayNetwork(
        scheme="half",
        parasitics="none",
        rows=1,
        cols=1,
        ref_cols=0,
        node_names=["0", "a", "b", "c", "d"],
        res_a=np.array([1, 3]),
        res_b=np.array([2, 4]),
        res_ohm=np.array([1.0, 1.0]),
        res_block=np.array([0, 0]),
        res_names=["R1", "R2"],
        src_names=["V1", "V2"],
        src_node=np.array([1, 2]),
        src_volts=np.array([1.0, 0.0]),
        sense_src=np.array([1]),
    )
    with pytest.raises(InputError, match="singular"):
        solve_cholesky(net, backend=backend)


def test_stale_factorization_is_refused(tech):
    if not backend_available("cvxopt"):
        pytest.skip("cvxopt not installed")
    states, volts, _ = _operands(tech, "half", 8, 3, 0, np.random.default_rng(7))
    net = assemble_network(tech, states, volts, scheme="half", parasitics="mesh")
    solver = CholeskySolver(net, backend="cvxopt")
    first = solver.factor(net.res_ohm)
    solver.factor(net.res_ohm * 1.01)
    with pytest.raises(InputError, match="replaced"):
        first.solve(net.src_volts)


def test_unknown_backend_and_ordering(tech):
    states, volts, _ = _operands(tech, "half", 4, 2, 0, np.random.default_rng(8))
    net = assemble_network(tech, states, volts, scheme="half", parasitics="mesh")
    with pytest.raises(ConfigError, match="backend"):
        CholeskySolver(net, backend="mumps")
    with pytest.raises(ConfigError, match="ordering"):
        CholeskySolver(net, ordering="rcm")


@pytest.mark.parametrize("scheme", SCHEMES)
def test_read_mac_fast_engine_equals_scipy_engine(tech, scheme):
    rng = np.random.default_rng(13)
    w = rng.choice(np.array([-1, 1], dtype=np.int8), size=(32, 6))
    x = rng.choice(np.array([-1, 1], dtype=np.int8), size=32)
    devices = DeviceSample.sample(tech, (1 if scheme == "half" else 2, 32, 8), rng)
    ref = read_mac(tech, w, x, ReadSetup(scheme=scheme, engine="scipy"), devices=devices)
    fast = read_mac(tech, w, x, ReadSetup(scheme=scheme, engine="fast"), devices=devices)
    assert fast.dc.engine == "fast"
    assert _rel(fast.current_a, ref.current_a) <= 1e-11
    assert fast.i_ref_a == pytest.approx(ref.i_ref_a, rel=1e-11)
    assert fast.sensed.tolist() == ref.sensed.tolist()


def test_read_mac_fast_engine_toggle_phase_equals_scipy(tech):
    from mramcim.array.read import default_toggle_map

    rng = np.random.default_rng(14)
    w = rng.choice(np.array([-1, 1], dtype=np.int8), size=(48, 6))
    x = rng.choice(np.array([-1, 1], dtype=np.int8), size=48)
    runs = [
        read_mac(
            tech,
            w,
            x,
            ReadSetup(scheme="half", engine=engine),
            toggle_map=default_toggle_map(tech),
            rng=np.random.default_rng(3),
        )
        for engine in ("scipy", "fast")
    ]
    assert runs[1].toggle_failures == runs[0].toggle_failures
    assert _rel(runs[1].current_a, runs[0].current_a) <= 1e-11


def test_bench_solvers_reports_every_solver(tech):
    from mramcim.experiments.bench_array import bench_solvers

    rows = bench_solvers(tech, [(8, 4)], [1.0, 5.0], ngspice=False)
    assert [(r["rows"], r["cols"], r["wire_ohm_per_pitch"]) for r in rows] == [(8, 4, 1.0), (8, 4, 5.0)]
    for r in rows:
        assert r["fast_vs_scipy"] <= 1e-11 and r["cholesky_vs_scipy"] <= 1e-11 and r["read_matrix_vs_scipy"] <= 1e-11
        assert r["fast_read_s"] > 0 and r["fast_iterations"] >= 0


@pytest.mark.parametrize("scheme", SCHEMES)
def test_tiled_layer_equals_each_subarray_read_alone(tech, scheme):
    from mramcim.array.tiledread import TiledLayer

    rng = np.random.default_rng(15)
    d, h, big_r, big_c = 21, 10, 8, 4  # partial row and column blocks
    w = rng.choice(np.array([-1, 1], dtype=np.int8), size=(d, h))
    x = rng.choice(np.array([-1, 1], dtype=np.int8), size=(9, d))
    sets = 1 if scheme == "half" else 2
    devices = DeviceSample.sample(tech, (sets, d, h), rng)
    got = TiledLayer(tech, w, rows=big_r, cols=big_c, scheme=scheme, parasitics="mesh", devices=devices).currents(x)
    assert got.shape == (9, 3, h)
    for b, r0 in enumerate(range(0, d, big_r)):
        for c0 in range(0, h, big_c):
            r, c = min(big_r, d - r0), min(big_c, h - c0)
            dev = DeviceSample(
                *(
                    a[:, r0 : r0 + r, c0 : c0 + c]
                    for a in (devices.ra_scale, devices.area_scale, devices.tmr_scale, devices.vcma_scale)
                )
            )
            alone = ArrayReader(tech, r, c, scheme=scheme, parasitics="mesh").mac_currents(
                w[r0 : r0 + r, c0 : c0 + c], x[:, r0 : r0 + r], devices=dev
            )
            assert _rel(got[:, b, c0 : c0 + c], alone) <= 1e-11
