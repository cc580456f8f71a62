import math
import re

import numpy as np
import pytest

from mramcim.circuit.erc import check_deck
from mramcim.circuit.netlist import render_array, render_xnor
from mramcim.errors import InputError, TemplateError
from mramcim.units import spice_ident, spice_num


@pytest.mark.parametrize("bad", [math.nan, math.inf, "1; .shell rm", None, True])
def test_spice_num_refuses_non_numbers(bad):
    with pytest.raises(TemplateError):
        spice_num(bad)


@pytest.mark.parametrize("bad", ["a\n.control", ".shell", "x y", "a.include", "", "1abc", "a" * 65])
def test_spice_ident_refuses_injection(bad):
    with pytest.raises(TemplateError):
        spice_ident(bad)


def test_numbers_are_formatted_once():
    assert spice_num(1.5e-9) == "1.5e-09"
    assert spice_num(3) == "3"
    assert spice_num(np.float64(0.25)) == "0.25"


@pytest.mark.parametrize(("scheme", "per_weight"), [("half", 1), ("conventional", 2)])
def test_mtj_count_per_scheme(tech, scheme, per_weight):
    rng = np.random.default_rng(1)
    deck = render_array(tech, rng.choice([-1, 1], (12, 3)), rng.choice([-1, 1], 12), scheme).text
    tiles = [ln for ln in deck.splitlines() if re.match(r"^Xc_r\d+_c\d+ .* tile_\w+ m0=", ln)]
    in_tile = [ln for ln in deck.splitlines() if re.match(r"^Xmtj\w* .* mtj_llg m0=", ln)]
    assert len(tiles) == 12 * 3 and len(in_tile) == per_weight
    assert check_deck(deck) == []


def test_784_row_deck_renders_and_is_clean(tech):
    rng = np.random.default_rng(0)
    deck = render_array(tech, rng.choice([-1, 1], (784, 2)), rng.choice([-1, 1], 784)).text
    assert sum(1 for ln in deck.splitlines() if re.match(r"^Xc_r\d+_c\d+ .* tile_half m0=", ln)) == 784 * 2
    assert check_deck(deck) == []


def test_rendering_is_deterministic(tech):
    assert render_xnor(tech).text == render_xnor(tech).text


@pytest.mark.parametrize(
    ("weights", "inputs", "message"),
    [
        (np.ones((4, 2)), np.ones(3), "inputs has shape"),
        (np.full((4, 2), 2), np.ones(4), "only \\+1/-1"),
        (np.ones(4), np.ones(4), "2-D"),
        (np.ones((4, 2)) * np.nan, np.ones(4), "only \\+1/-1"),
        (np.ones((0, 2)), np.ones(0), "rows must be between"),
        (np.ones((9000, 1)), np.ones(9000), "rows must be between"),
    ],
)
def test_bad_operands(tech, weights, inputs, message):
    with pytest.raises(InputError, match=message):
        render_array(tech, weights, inputs)


def test_erc_reports_each_rule():
    deck = "title\nV1 a 0 1\nR1 a b 1k\nC1 b c 1p\nX1 b 0 nosuch\nR2 d e 1\n.end\n"
    rules = {(v.rule, v.node) for v in check_deck(deck)}
    assert ("unknown-subckt", "x1") in rules
    assert ("single-connection", "c") in rules
    assert ("no-dc-path", "c") in rules
    assert ("no-dc-path", "d") in rules
    assert not any(node in {"a", "b"} for _, node in rules)


def test_erc_sees_through_subcircuits():
    deck = (
        "t\n.subckt cap a b\nC1 a b 1p\n.ends\n.subckt res a b\nR1 a b 1k\n.ends\n"
        "V1 n 0 1\nX1 n m cap\nX2 n k res\nR3 k 0 1k\nR4 m 0 1k\n.end\n"
    )
    assert check_deck(deck) == []
    floating = "t\n.subckt cap a b\nC1 a b 1p\n.ends\nV1 n 0 1\nX1 n m cap\nC2 m 0 1p\n.end\n"
    assert {(v.rule, v.node) for v in check_deck(floating)} == {("no-dc-path", "m")}
