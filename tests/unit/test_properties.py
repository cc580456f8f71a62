"""Property tests for everything that reads user text or user files: for any input, a valid value
or a `MramcimError`, never another exception (hypothesis generates the inputs)."""

from __future__ import annotations

import json
import math
import tempfile
from pathlib import Path

import numpy as np
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mramcim.artifacts import load_npy, read_json_object
from mramcim.circuit.deckscan import deck_lines, find_control, runnable
from mramcim.device.twostate import load_toggle_map
from mramcim.encoding import TransferCurve
from mramcim.errors import MramcimError
from mramcim.options import Corner, Parasitics, Scheme, parse_option
from mramcim.tech import Technology, load_tech
from mramcim.units import parse_ints, parse_pulse, parse_quantity, parse_values, spice_ident, spice_num

FAST = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
FILES = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# Text that looks like what people type: numbers, units, separators, and anything else.
number_like = st.one_of(
    st.text(),
    st.text(alphabet="0123456789.eE+-:, umnkgtfpMEGsAVa_ ", max_size=30),
    st.builds(
        lambda a, b, n: f"{a}:{b}:{n}",
        st.floats(allow_nan=True, allow_infinity=True),
        st.floats(allow_nan=True, allow_infinity=True),
        st.integers(-10, 10**6),
    ),
    st.lists(st.floats(allow_nan=True, allow_infinity=True), max_size=5).map(lambda v: ",".join(map(repr, v))),
)
json_values = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=True), st.text(max_size=8)),
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=8), inner, max_size=4)),
    max_leaves=20,
)


@FAST
@given(number_like, st.sampled_from(["", "A", "s", "V"]), st.booleans())
def test_parse_quantity(text, unit, require):
    try:
        value = parse_quantity(text, unit, require_unit=require)
    except MramcimError:
        return
    assert isinstance(value, float) and math.isfinite(value)


@FAST
@given(number_like, st.floats(1e-15, 1e15), st.booleans())
def test_parse_values(text, scale, positive):
    try:
        values = parse_values(text, "--x", scale, positive=positive)
    except MramcimError:
        return
    assert values and all(isinstance(v, float) and math.isfinite(v) for v in values)
    assert not positive or all(v > 0 for v in values)


@FAST
@given(st.one_of(number_like, st.builds(lambda a, b: f"{a},{b}", number_like, number_like)))
def test_parse_pulse(text):
    try:
        current, width = parse_pulse(text)
    except MramcimError:
        return
    assert math.isfinite(current) and math.isfinite(width)


@FAST
@given(st.one_of(number_like, st.text(alphabet="0123456789,-_ ", max_size=6000)))
def test_parse_ints(text):
    try:
        values = parse_ints(text, "--cols")
    except MramcimError:
        return
    assert values and all(isinstance(v, int) for v in values)


@FAST
@given(st.one_of(st.text(), st.integers(), st.floats(), st.none(), st.binary(), st.lists(st.text())))
def test_spice_ident_and_num(value):
    try:
        name = spice_ident(value)
    except MramcimError:
        pass
    else:
        assert name == value and "\n" not in name and not name.startswith(".")
        assert all(c.isascii() and (c.isalnum() or c == "_") for c in name)
    try:
        text = spice_num(value)
    except MramcimError:
        return
    assert text.strip() == text and "\n" not in text and math.isfinite(float(text))


@FAST
@given(st.one_of(st.text(max_size=20), st.integers(), st.none()), st.sampled_from([Scheme, Parasitics, Corner]))
def test_parse_option(value, option):
    try:
        member = parse_option(option, value, "option")
    except MramcimError:
        return
    assert isinstance(member, option)


def _tech_yaml() -> st.SearchStrategy[str]:
    default = load_tech().model_dump(mode="json")
    section = st.sampled_from(sorted(k for k, v in default.items() if isinstance(v, dict)))
    mutated = st.builds(
        lambda sec, val, data: yaml.safe_dump(
            {sec: {data.draw(st.sampled_from(sorted(default[sec]))): val}}, default_flow_style=True
        ),
        section,
        json_values,
        st.data(),
    )
    return st.one_of(st.text(max_size=200), json_values.map(yaml.safe_dump), mutated)


@FILES
@given(_tech_yaml())
def test_load_tech_from_any_yaml(text):
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "t.yaml"
        path.write_text(text, encoding="utf-8")
        try:
            tech = load_tech(path)
        except MramcimError:
            return
    assert isinstance(tech, Technology)


def _npy_bytes() -> st.SearchStrategy[bytes]:
    header = st.builds(
        lambda descr, shape, fortran: f"{{'descr': {descr!r}, 'fortran_order': {fortran}, 'shape': {shape}, }}",
        st.sampled_from(["<f8", "|i1", "|O", "<c16", "|b1", "V8", "<U3", "garbage"]),
        st.one_of(st.tuples(), st.lists(st.integers(-2, 10**13), max_size=3).map(tuple), st.text(max_size=5)),
        st.sampled_from(["False", "True", "0"]),
    ).map(lambda h: b"\x93NUMPY\x01\x00" + len(h).to_bytes(2, "little") + h.encode())
    return st.one_of(st.binary(max_size=200), st.builds(lambda h, body: h + body, header, st.binary(max_size=200)))


@FILES
@given(_npy_bytes())
def test_load_npy_any_bytes(data):
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "w.npy"
        path.write_bytes(data)
        try:
            array = load_npy(path, "weights")
        except MramcimError:
            return
    assert isinstance(array, np.ndarray) and array.dtype != object


@FILES
@given(st.one_of(json_values, st.text(max_size=100)))
def test_json_loaders(value):
    """read_json_object, the transfer characteristic and the toggle map on any JSON (or text)."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "x.json"
        path.write_text(value if isinstance(value, str) else json.dumps(value), encoding="utf-8")
        for load in (
            lambda: read_json_object(path, "file"),
            lambda: TransferCurve.from_file(path),
            lambda: load_toggle_map(path),
        ):
            try:
                load()
            except MramcimError:
                pass


@FILES
@given(
    st.fixed_dictionaries(
        {
            "rows": json_values,
            "popcount": st.lists(st.floats(allow_nan=True, allow_infinity=True), max_size=5),
            "p_plus": st.lists(st.floats(allow_nan=True, allow_infinity=True), max_size=5),
        }
    )
)
def test_transfer_curve_values(data):
    try:
        curve = TransferCurve.from_json(data, "x")
    except MramcimError:
        return
    assert np.all((curve.p_plus >= 0) & (curve.p_plus <= 1)) and np.all(np.diff(curve.popcount) > 0)
    assert np.all((curve.popcount >= 0) & (curve.popcount <= curve.rows))


deck_text = st.lists(
    st.one_of(
        st.sampled_from(
            [
                ".control",
                ".CONTROLS",
                "  .controlx",
                ".endc",
                ".endcx",
                "shell touch x",
                "*ng_script",
                ".include x",
                ".lib a b",
                "+ shell y",
                "r1 a 0 1k",
                "",
                ".end",
            ]
        ),
        st.text(max_size=12),
    ),
    max_size=12,
).flatmap(lambda lines: st.sampled_from(["\n", "\r\n", "\r", "\x0c", "\x0b", "\x85"]).map(lambda sep: sep.join(lines)))


@FAST
@given(deck_text)
def test_runnable_decks_carry_nothing_ngspice_would_execute(text):
    try:
        safe = runnable(text)
    except MramcimError:
        return
    lines = deck_lines(safe)
    assert find_control(safe) == []
    assert not lines or not lines[0].lstrip().lower().startswith(("*ng_script", ".control", ".endc"))
    assert not any(line.lstrip().lower().startswith((".inc", ".lib")) for line in lines[1:])
    assert deck_lines(safe) == safe.split("\n")[:-1] if safe else True  # one card per \n line


@pytest.mark.parametrize("depth", [10, 1000, 100_000])
def test_nesting_depths(tmp_path, depth):
    path = tmp_path / "deep.json"
    path.write_text("[" * depth + "]" * depth)
    try:
        read_json_object(path, "file")
    except MramcimError:
        pass
