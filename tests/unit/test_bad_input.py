"""Bad input across every command: one clear line, a non-zero exit, nothing left behind.

Every case runs the command line in this process (`mramcim.cli.main.run`, the console script's
own error handling) in an empty working folder, with simulation and training disabled: each
must fail *before* any simulation or training starts. Asserted for every case: the exit status
(1 for mramcim's errors, 2 for click's usage errors, which keep click's format), exactly one
`error:` line (code 1) or click's one `Error:` line (code 2), no traceback, and no file or folder
created anywhere under the working folder. A few cases also run as real subprocesses.
"""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from mramcim.outdir import OutputFolder


class Simulated(BaseException):  # noqa: N818 - not an error a command may catch
    """Raised if a bad-input case reaches a simulator or the training loop."""


@pytest.fixture(autouse=True)
def no_work(monkeypatch):
    def refuse(*_: object, **__: object) -> None:
        raise Simulated("a bad-input case reached simulation or training")

    import mramcim.circuit.sim as sim
    import mramcim.learn.train as train

    monkeypatch.setattr(sim, "runnable", refuse)
    monkeypatch.setattr(train, "train", refuse)


def _npy_header_claiming(path: Path, shape: tuple[int, ...]) -> None:
    header = {"descr": "<f8", "fortran_order": False, "shape": shape}
    with open(path, "wb") as handle:
        np.lib.format.write_array_header_1_0(handle, header)
        handle.write(b"\0" * 64)


def _deck(body: str) -> str:
    return "t\nr1 a 0 1k\nv1 a 0 1\n" + body + ".op\n.end\n"


TRANSFER = {"rows": 64, "popcount": [0, 32, 64], "p_plus": [0.0, 0.5, 1.0]}
TOGGLE = {"voltages_v": [0.9, 1.1], "widths_s": [5e-10, 1e-9], "p_toggle": [[0.5, 1.0], [0.5, 1.0]]}
FIT = {"mode": "sot", "fit": {"delta": 50.0, "ic0_a": 3e-4}}


def make_files(root: Path) -> None:
    """Every bad (and a few good) input files, named as the cases use them."""
    (root / "empty").write_bytes(b"")
    (root / "binary").write_bytes(bytes(range(256)) * 8)
    (root / "a_folder").mkdir()
    (root / "deep.json").write_text("[" * 100_000 + "]" * 100_000)
    (root / "deep.yaml").write_text("[" * 100_000 + "]" * 100_000)
    (root / "deep_map.yaml").write_text("mtj:\n" + "".join("  " * k + "a:\n" for k in range(1, 3000)))
    (root / "truncated.json").write_text('{"rows": 64, "popcount": [0, 3')
    (root / "list.json").write_text("[1, 2, 3]")
    (root / "schema.json").write_text('{"foo": 1}')
    (root / "tr_rows_huge.json").write_text(json.dumps(TRANSFER).replace('"rows": 64', '"rows": 1e400'))
    (root / "tr_p7.json").write_text(json.dumps(TRANSFER | {"p_plus": [0.0, 7.0, 1.0]}))
    (root / "tr_nan.json").write_text(json.dumps(TRANSFER | {"p_plus": [0.0, float("nan"), 1.0]}))
    (root / "tr_rows_neg.json").write_text(json.dumps(TRANSFER | {"rows": -64}))
    (root / "tr_rows32.json").write_text(json.dumps({"rows": 32, "popcount": [0, 16, 32], "p_plus": [0, 0.5, 1]}))
    (root / "tg_p7.json").write_text(json.dumps(TOGGLE | {"p_toggle": [[0.5, 7.0], [0.5, 1.0]]}))
    (root / "tg_neg.json").write_text(json.dumps(TOGGLE | {"p_toggle": [[-0.5, 1.0], [0.5, 1.0]]}))
    (root / "tg_nan.json").write_text(json.dumps(TOGGLE | {"p_toggle": [[float("nan"), 1.0], [0.5, 1.0]]}))
    (root / "tg_axes.json").write_text(json.dumps(TOGGLE | {"voltages_v": [1.1, 0.9]}))
    (root / "tg_shape.json").write_text(json.dumps(TOGGLE | {"p_toggle": [0.5, 1.0]}))
    (root / "fit_neg.json").write_text(json.dumps(FIT | {"fit": {"delta": -5, "ic0_a": 3e-4}}))
    (root / "fit_inf.json").write_text(json.dumps(FIT).replace("50.0", "1e400"))
    (root / "neuron_schema.json").write_text('{"currents_a": "oops"}')
    (root / "tech_nan.yaml").write_text("temperature_k: .nan\n")
    (root / "tech_inf.yaml").write_text("temperature_k: .inf\n")
    (root / "tech_neg.yaml").write_text("temperature_k: -5\n")
    (root / "tech_key.yaml").write_text("no_such_section: {a: 1}\n")
    (root / "tech_list.yaml").write_text("- 1\n- 2\n")
    (root / "tech_inject.yaml").write_text('temperature_k: "300\\n.control\\nshell touch pwned\\n.endc"\n')
    (root / "tech_bad.yaml").write_text("mtj: {diameter_m: [unclosed\n")
    np.save(root / "w_ok.npy", np.ones((8, 2), dtype=np.int8))
    np.save(root / "w_threes.npy", np.full((8, 2), 3))
    np.save(root / "w_shape.npy", np.ones((7, 2)))
    np.save(root / "w_nan.npy", np.full((8, 2), np.nan))
    np.save(root / "w_bool.npy", np.ones((8, 2), dtype=bool))
    np.save(root / "w_complex.npy", np.ones((8, 2), dtype=complex))
    np.save(root / "x_shape.npy", np.ones(5))
    np.save(root / "x_twos.npy", np.full(8, 2))
    np.save(root / "w_struct.npy", np.zeros(16, dtype=[("a", "<i4")]))
    np.save(root / "w_object.npy", np.array([{"a": 1}] * 16, dtype=object), allow_pickle=True)
    _npy_header_claiming(root / "w_huge.npy", (10**12,))
    _npy_header_claiming(root / "w_trunc.npy", (8, 2))
    (root / "w_garbage.npy").write_bytes(b"\x93NUMPY\x01\x00garbage")
    (root / "controls.cir").write_text(_deck(".controls\nshell touch pwned\n.endc\n"))
    (root / "shell.cir").write_text(_deck(".control\nshell touch pwned\n.endc\n"))
    (root / "redirect.cir").write_text(_deck(".control\nprint v(a) > pwned\n.endc\n"))
    (root / "unterminated.cir").write_text("t\nr1 a 0 1k\nv1 a 0 1\n.op\n.control\nshell touch pwned\n")
    (root / "script.cir").write_text("*ng_script\nshell touch pwned\n")
    (root / "lib.cir").write_text(_deck(".lib models.lib tt\n"))
    (root / "inc_missing.cir").write_text(_deck(".include nowhere.inc\n"))
    (root / "inc_self.cir").write_text(_deck(".include inc_self.cir\n"))
    (root / "inc_empty.cir").write_text(_deck(".include\n"))
    (root / "ok.cir").write_text(_deck(""))
    (root / "holds_folder").mkdir()
    (root / "holds_folder" / "sub").mkdir()


# (args, exit code, a fragment the error line must hold); {ro} is a read-only folder.
CASES: list[tuple[list[str], int, str]] = [
    # tech show: technology files
    (["tech", "show", "--tech", "missing.yaml"], 1, "not found"),
    (["tech", "show", "--tech", "empty"], 1, "mapping"),
    (["tech", "show", "--tech", "binary"], 1, "technology"),
    (["tech", "show", "--tech", "deep.yaml"], 1, "deep"),
    (["tech", "show", "--tech", "deep_map.yaml"], 1, "technology"),
    (["tech", "show", "--tech", "tech_list.yaml"], 1, "mapping"),
    (["tech", "show", "--tech", "tech_key.yaml"], 1, "no_such_section"),
    (["tech", "show", "--tech", "tech_nan.yaml"], 1, "temperature_k"),
    (["tech", "show", "--tech", "tech_inf.yaml"], 1, "temperature_k"),
    (["tech", "show", "--tech", "tech_neg.yaml"], 1, "temperature_k"),
    (["tech", "show", "--tech", "tech_bad.yaml"], 1, "YAML"),
    (["tech", "show", "--tech", "/dev/null"], 1, "regular file"),
    (["tech", "show", "--tech", "a_folder"], 2, "directory"),
    # gen-cell
    (["gen-cell", "transistor"], 2, "transistor"),
    (["gen-cell", "xnor", "-o", "/dev/null"], 1, "not a regular file"),
    (["gen-cell", "xnor", "-o", "a_folder"], 2, "directory"),
    (["gen-cell", "xnor", "-o", "{ro}/x.cir"], 1, "x.cir"),
    (["gen-cell", "neuron", "--tech", "tech_inject.yaml", "-o", "x.cir"], 1, "temperature_k"),
    # gen-array: sizes, seeds, operand files, passive selection
    (["gen-array", "--rows", "0"], 1, "rows"),
    (["gen-array", "--rows", "-5"], 1, "rows"),
    (["gen-array", "--rows", "1000000000000"], 1, "rows"),
    (["gen-array", "--rows", "8", "--cols", "0"], 1, "cols"),
    (["gen-array", "--rows", "nan"], 2, "integer"),
    (["gen-array", "--rows", "8", "--seed", "-1"], 1, "seed"),
    (["gen-array", "--rows", "8", "--weights", "missing.npy"], 1, "missing.npy"),
    (["gen-array", "--rows", "8", "--weights", "empty"], 1, "weights"),
    (["gen-array", "--rows", "8", "--weights", "binary"], 1, "weights"),
    (["gen-array", "--rows", "8", "--weights", "w_huge.npy"], 1, "elements"),
    (["gen-array", "--rows", "8", "--weights", "w_trunc.npy"], 1, "truncated"),
    (["gen-array", "--rows", "8", "--weights", "w_garbage.npy"], 1, "weights"),
    (["gen-array", "--rows", "8", "--weights", "w_object.npy"], 1, "weights"),
    (["gen-array", "--rows", "8", "--weights", "w_struct.npy"], 1, "weights"),
    (["gen-array", "--rows", "8", "--weights", "w_shape.npy"], 1, "shape"),
    (["gen-array", "--rows", "8", "--weights", "w_threes.npy"], 1, "1"),
    (["gen-array", "--rows", "8", "--weights", "w_nan.npy"], 1, "1"),
    (["gen-array", "--rows", "8", "--weights", "w_complex.npy"], 1, "weights"),
    (["gen-array", "--rows", "8", "--inputs", "x_shape.npy"], 1, "inputs"),
    (["gen-array", "--rows", "8", "--inputs", "x_twos.npy"], 1, "inputs"),
    (["gen-array", "--rows", "4", "--cols", "4", "--scheme", "passive", "--select", "9,9"], 1, "9"),
    (["gen-array", "--rows", "4", "--cols", "4", "--scheme", "passive", "--select", "a,b"], 1, "select"),
    (["gen-array", "--rows", "4", "--cols", "4", "--scheme", "passive", "--select", "0,0\n.control"], 1, "select"),
    (["gen-array", "--rows", "8", "--corner", "xx"], 2, "xx"),
    (["gen-array", "--rows", "8", "-o", "/dev/null"], 1, "not a regular file"),
    # check: binary, empty, device nodes, control constructs, includes
    (["check", "binary"], 1, "binary"),
    (["check", "empty"], 1, "empty"),
    (["check", "missing.cir"], 2, "does not exist"),
    (["check", "a_folder"], 2, "directory"),
    (["check", "/dev/null"], 1, "regular file"),
    (["check", "controls.cir"], 1, "control-syntax"),
    (["check", "shell.cir"], 1, "control-command"),
    (["check", "redirect.cir"], 1, "control-command"),
    (["check", "unterminated.cir"], 1, "never closed"),
    (["check", "script.cir"], 1, "ng_script"),
    (["check", "lib.cir"], 1, "library"),
    (["check", "inc_missing.cir"], 1, "nowhere.inc"),
    (["check", "inc_self.cir"], 1, "nested"),
    (["check", "inc_empty.cir"], 1, "file name"),
    # sim: refused before ngspice
    (["sim", "ok.cir", "--timeout", "nan"], 1, "timeout"),
    (["sim", "ok.cir", "--timeout", "inf"], 1, "timeout"),
    (["sim", "ok.cir", "--timeout", "-5"], 1, "timeout"),
    (["sim", "ok.cir", "--timeout", "0"], 1, "timeout"),
    (["sim", "ok.cir", "--timeout", "1e300"], 1, "timeout"),
    (["sim", "ok.cir", "--timeout", "soon"], 2, "soon"),
    (["sim", "binary"], 1, "binary"),
    (["sim", "shell.cir"], 1, "control-command"),
    (["sim", "controls.cir"], 1, "control-syntax"),
    (["sim", "script.cir"], 1, "ng_script"),
    # verify / mac
    (["verify", "xnor", "--tech", "deep.yaml"], 1, "deep"),
    (["mac", "--rows", "0"], 1, "rows"),
    (["mac", "--rows", "8", "--engine", "spectre"], 2, "spectre"),
    (["mac", "--rows", "8", "--weights", "w_threes.npy", "--engine", "scipy"], 1, "1"),
    (["mac", "--rows", "8", "--block-cols", "-1", "--engine", "ngspice", "--analysis", "dc"], 1, "block"),
    # characterize array
    (["characterize", "array", "--rows", "8", "--mc", "0", "--out", "out"], 1, "monte-carlo"),
    (["characterize", "array", "--rows", "8", "--mc", "-1", "--out", "out"], 1, "monte-carlo"),
    (["characterize", "array", "--rows", "0", "--out", "out"], 1, "rows"),
    (["characterize", "array", "--rows", "8", "--points", "0", "--out", "out"], 1, "points"),
    (["characterize", "array", "--rows", "8", "--threshold", "-3", "--out", "out"], 1, "threshold"),
    (["characterize", "array", "--rows", "8", "--toggle-map", "tg_p7.json", "--out", "out"], 1, "[0, 1]"),
    (["characterize", "array", "--rows", "8", "--toggle-map", "tg_neg.json", "--out", "out"], 1, "[0, 1]"),
    (["characterize", "array", "--rows", "8", "--toggle-map", "tg_nan.json", "--out", "out"], 1, "[0, 1]"),
    (["characterize", "array", "--rows", "8", "--toggle-map", "tg_axes.json", "--out", "out"], 1, "increasing"),
    (["characterize", "array", "--rows", "8", "--toggle-map", "tg_shape.json", "--out", "out"], 1, "shape"),
    (["characterize", "array", "--rows", "8", "--toggle-map", "deep.json", "--out", "out"], 1, "deep"),
    (["characterize", "array", "--rows", "8", "--toggle-map", "binary", "--out", "out"], 1, "toggle"),
    (["characterize", "array", "--rows", "8", "--toggle-map", "list.json", "--out", "out"], 1, "JSON object"),
    (["characterize", "array", "--rows", "8", "--out", "/dev/null"], 1, "not a folder"),
    (["characterize", "array", "--rows", "8", "--out", "{ro}/out"], 1, "out"),
    (["characterize", "array", "--rows", "8", "--out", "holds_folder"], 1, "sub"),
    (["characterize", "array", "--rows", "8", "--out", "."], 1, "current folder"),
    (["characterize", "array", "--rows", "8", "--out", ""], 1, "empty"),
    (["characterize", "array", "--rows", "8", "--out", "binary"], 2, "file"),
    (["characterize", "array", "--rows", "8", "--tech", "deep.yaml", "--out", "out"], 1, "deep"),
    # characterize neuron
    (["characterize", "neuron", "--workers", "0", "--out", "out"], 1, "workers"),
    (["characterize", "neuron", "--workers", "-2", "--out", "out"], 1, "workers"),
    (["characterize", "neuron", "--trials", "1", "--out", "out"], 1, "trials"),
    (["characterize", "neuron", "--trials", "-1", "--out", "out"], 1, "trials"),
    (["characterize", "neuron", "--currents-ma", "1:2:999999999999", "--out", "out"], 1, "count"),
    (["characterize", "neuron", "--currents-ma", "nan", "--out", "out"], 1, "currents"),
    (["characterize", "neuron", "--currents-ma", "inf,1", "--out", "out"], 1, "currents"),
    (["characterize", "neuron", "--currents-ma", "1e400", "--out", "out"], 1, "currents"),
    (["characterize", "neuron", "--currents-ma", "-1e308:1e308:5", "--out", "out"], 1, "currents"),
    (["characterize", "neuron", "--currents-ma", "", "--out", "out"], 1, "currents"),
    (["characterize", "neuron", "--currents-ma", "1:2", "--out", "out"], 1, "currents"),
    (["characterize", "neuron", "--out", "{ro}/neuron"], 1, "neuron"),
    # compare-schemes
    (["compare-schemes", "--rows", "8", "--mc", "0"], 1, "monte-carlo"),
    (["compare-schemes", "--rows", "8", "--tran-cols", "0"], 1, "cols"),
    (["compare-schemes", "--rows", "8", "--out", "/dev/null"], 1, "not a folder"),
    # bench
    (["bench", "array", "--cols", "a,b"], 1, "--cols"),
    (["bench", "array", "--cols", "0"], 1, "cols"),
    (["bench", "array", "--cols", "9" * 5000], 1, "--cols"),
    (["bench", "array", "--workers", "0", "--cols", "8"], 1, "workers"),
    (["bench", "train", "--n", "0"], 1, "n"),
    (["bench", "train", "--batch", "0"], 1, "sizes"),
    (["bench", "mtj", "--trials", "0"], 1, "trials"),
    # mtj
    (["mtj", "precession", "--field-mT", "nan"], 1, "field"),
    (["mtj", "precession", "--field-mT", "1e400"], 1, "field"),
    (["mtj", "precession", "--field-mT", "0"], 1, "field"),
    (["mtj", "precession", "--out", "/dev/null"], 1, "not a folder"),
    (["mtj", "toggle", "--trials", "0"], 1, "trials"),
    (["mtj", "toggle", "--vcma-v", "-1"], 1, "vcma"),
    (["mtj", "toggle", "--width-ns", "1:2:0"], 1, "width"),
    (["mtj", "toggle", "--workers", "0"], 1, "workers"),
    (["mtj", "toggle", "--mtj-model", "twostate"], 1, "calibration"),
    (["mtj", "toggle", "--mtj-model", "twostate", "--calibration", "tg_p7.json"], 1, "[0, 1]"),
    (["mtj", "toggle", "--mtj-model", "twostate", "--calibration", "deep.json"], 1, "deep"),
    (["mtj", "switch", "--current-ua", "1e400"], 1, "current"),
    (["mtj", "switch", "--mode", "vcma"], 2, "vcma"),
    (["mtj", "switch", "--mtj-model", "twostate", "--calibration", "fit_neg.json"], 1, "positive"),
    (["mtj", "switch", "--mtj-model", "twostate", "--calibration", "fit_inf.json"], 1, "positive"),
    (["mtj", "switch", "--mtj-model", "twostate", "--calibration", "truncated.json"], 1, "JSON"),
    (["mtj", "retention", "--temperature", "-5"], 1, "temperature"),
    (["mtj", "retention", "--temperature", "nan"], 1, "temperature"),
    (["mtj", "retention", "--temperature", "0"], 1, "temperature"),
    (["mtj", "retention", "--trials", "0"], 1, "trials"),
    # train: every input checked and the folder claimed before the first epoch
    (["train", "--epochs", "0", "--out", "out"], 1, "epochs"),
    (["train", "--hidden", "0", "--out", "out"], 1, "hidden"),
    (["train", "--batch", "0", "--out", "out"], 1, "batch"),
    (["train", "--flip-prob", "nan", "--out", "out"], 1, "flip"),
    (["train", "--flip-prob", "2", "--out", "out"], 1, "flip"),
    (["train", "--flip-prob", "-0.1", "--out", "out"], 1, "flip"),
    (["train", "--write-pulse", "abc", "--out", "out"], 1, "write-pulse"),
    (["train", "--write-pulse", "1e400uA,10ns", "--out", "out"], 1, "write-pulse"),
    (["train", "--hardware", "tr_rows_huge.json", "--out", "out"], 1, "transfer"),
    (["train", "--hardware", "tr_p7.json", "--out", "out"], 1, "[0, 1]"),
    (["train", "--hardware", "tr_nan.json", "--out", "out"], 1, "[0, 1]"),
    (["train", "--hardware", "tr_rows_neg.json", "--out", "out"], 1, "rows"),
    (["train", "--hardware", "deep.json", "--out", "out"], 1, "deep"),
    (["train", "--hardware", "binary", "--out", "out"], 1, "transfer"),
    (["train", "--hardware", "schema.json", "--out", "out"], 1, "transfer"),
    (["train", "--hardware", "tr_rows32.json", "--out", "out"], 1, "32"),
    (["train", "--array-cols", "0", "--out", "out"], 1, "cols"),
    (["train", "--out", "{ro}/train"], 1, "train"),
    (["train", "--out", "/dev/null"], 1, "not a folder"),
    (["train", "--dataset", "imagenet", "--out", "out"], 1, "imagenet"),
    (["train", "--output-code", "ecoc", "--code-length", "0", "--out", "out"], 1, "code"),
    (["train", "--output-code", "ecoc", "--code-length", "100000", "--out", "out"], 1, "code"),
    (["train", "--algo", "sgd", "--out", "out"], 1, "sgd"),
    # experiments
    (["experiment", "tgbnn", "--seeds", "0", "--out", "out"], 1, "seeds"),
    (["experiment", "tgbnn", "--datasets", "imagenet", "--out", "out"], 1, "imagenet"),
    (
        ["experiment", "tgbnn", "--mc", "0", "--datasets", "digits", "--hil-dataset", "digits", "--out", "out"],
        1,
        "monte-carlo",
    ),
    (["experiment", "approx-storage", "--trials", "0", "--dataset", "digits", "--out", "out"], 1, "trials"),
    (["experiment", "approx-storage", "--widths-ns", "nan", "--dataset", "digits", "--out", "out"], 1, "widths"),
    (["experiment", "approx-storage", "--dataset", "imagenet", "--out", "out"], 1, "imagenet"),
    (["experiment", "passive-wine", "--solutions", "0", "--out", "out"], 1, "solutions"),
    (["experiment", "passive-wine", "--v-write", "nan", "--out", "out"], 1, "v_write"),
    (["experiment", "passive-wine", "--v-write", "-1", "--out", "out"], 1, "v_write"),
    (["experiment", "passive-wine", "--t-write-ns", "0", "--out", "out"], 1, "t_write"),
    (["experiment", "sigmoid-neuron", "--char", "deep.json", "--dataset", "digits", "--out", "out"], 1, "deep"),
    (["experiment", "sigmoid-neuron", "--char", "binary", "--dataset", "digits", "--out", "out"], 1, "neuron"),
    (["experiment", "sigmoid-neuron", "--char", "neuron_schema.json", "--dataset", "digits", "--out", "out"], 1, ""),
    (["experiment", "sigmoid-neuron", "--draws", "0", "--dataset", "digits", "--out", "out"], 1, "draws"),
    (["experiment", "sigmoid-neuron", "--lr", "nan", "--dataset", "digits", "--out", "out"], 1, "learning rate"),
    (["experiment", "sigmoid-neuron", "--hidden", "0", "--dataset", "digits", "--out", "out"], 1, "hidden"),
    (["experiment", "sigmoid-neuron", "--dataset", "imagenet", "--out", "out"], 1, "imagenet"),
    # sizes that would exhaust memory or never end, found by trying
    (["compare-schemes", "--rows", "8", "--seed", "-1"], 1, "seed"),
    (["mtj", "toggle", "--trials", "100000000"], 1, "trials"),
    (["mtj", "toggle", "--vcma-v", "1e30"], 1, "at most"),
    (["mtj", "toggle", "--width-ns", "1e30"], 1, "at most"),
    (["mtj", "switch", "--width-ns", "1e-30"], 1, "at least"),
    (["mtj", "switch", "--current-ua", "1e30"], 1, "at most"),
    (["mtj", "switch", "--current-ua", "1:2:1000", "--width-ns", "1:2:1000", "--trials", "64"], 1, "devices"),
    (["mtj", "toggle", "--mtj-model", "twostate", "--calibration", "tg_p7.json", "--trials", "0"], 1, "trials"),
    (["train", "--hidden", "100000000", "--out", "out"], 1, "hidden"),
    (["train", "--epochs", "100000000", "--out", "out"], 1, "epochs"),
    (["bench", "train", "--n", "100000000000"], 1, "too large"),
    (["bench", "mtj", "--trials", "100000000"], 1, "trials"),
    (["bench", "array", "--block-cols", "0", "--cols", "8"], 1, "block-cols"),
    (["fetch-mnist", "--dir", "mnist", "--url", "http://[::1"], 1, "--url"),
    # fetch-mnist (no network: file:// and malformed addresses)
    (["fetch-mnist", "--dir", "mnist", "--url", "notaurl"], 1, "--url"),
    (["fetch-mnist", "--dir", "mnist", "--url", "ftp://example.invalid/"], 1, "--url"),
    (["fetch-mnist", "--dir", "mnist", "--url", "file:///nonexistent/"], 1, "cannot download"),
]


@pytest.fixture(scope="module")
def readonly(tmp_path_factory):
    """A read-only folder: a read-only tmpfs when we may mount one (root), else mode 0555."""
    folder = tmp_path_factory.mktemp("ro")
    mounted = False
    if os.geteuid() == 0:
        mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "ro,size=64k", "tmpfs", str(folder)]).returncode == 0
        if not mounted:
            pytest.skip("running as root without permission to mount a read-only tmpfs")
    else:
        folder.chmod(stat.S_IRUSR | stat.S_IXUSR)
    yield folder
    if mounted:
        subprocess.run(["umount", str(folder)], check=False)
    else:
        folder.chmod(stat.S_IRWXU)


def _tree(root: Path) -> set[str]:
    return {str(p.relative_to(root)) for p in root.rglob("*")}


@pytest.mark.parametrize(("args", "code", "fragment"), CASES, ids=[" ".join(c[0])[:70] for c in CASES])
def test_bad_input(tmp_path, monkeypatch, invoke, request, args, code, fragment):
    # only the cases naming {ro} need (and may skip for want of) a read-only folder
    readonly = request.getfixturevalue("readonly") if any("{ro}" in a for a in args) else None
    make_files(tmp_path)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("MRAMCIM_CACHE_DIR", str(tmp_path / "cache"))
    before = _tree(tmp_path)
    result = invoke(*[a.replace("{ro}", str(readonly)) for a in args])
    assert result.code == code, result
    assert "Traceback" not in result.err + result.out, result
    if code == 1:
        assert len(result.error_lines) == 1, result
        assert fragment.lower() in result.error_lines[0].lower() or fragment.lower() in result.err.lower(), result
    else:
        assert sum(line.startswith("Error:") for line in result.err.splitlines()) == 1, result
    assert _tree(tmp_path) == before, "left behind: " + ", ".join(sorted(_tree(tmp_path) - before))
    assert not (tmp_path / "pwned").exists()
    assert stat.S_ISCHR(os.stat("/dev/null").st_mode)


def test_there_are_at_least_80_cases():
    assert len(CASES) >= 80


def test_out_locked_by_another_run_fails_at_once(tmp_path, monkeypatch, invoke):
    monkeypatch.chdir(tmp_path)
    with OutputFolder.claim("out"):
        result = invoke("train", "--epochs", "1", "--out", "out")
    assert result.code == 1 and "in use by another mramcim run" in result.error_lines[0], result
    assert _tree(tmp_path) == set()


# A few through the real console script, in a subprocess (its own interpreter, real stderr).
@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["sim", "shell.cir", "--timeout", "-5"], "timeout"),
        (["check", "controls.cir"], "control-syntax"),
        (["characterize", "array", "--rows", "8", "--out", "/dev/null"], "not a folder"),
        (["train", "--hardware", "deep.json", "--out", "out"], "deep"),
        (["gen-array", "--rows", "8", "--weights", "w_huge.npy"], "elements"),
    ],
)
def test_bad_input_subprocess(tmp_path, args, fragment):
    make_files(tmp_path)
    before = _tree(tmp_path)
    proc = subprocess.run(
        [sys.executable, "-m", "mramcim.cli.main", *args], capture_output=True, text=True, cwd=tmp_path, timeout=300
    )
    assert proc.returncode == 1, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert lines[0].startswith("error: ") and fragment in proc.stderr, proc.stderr
    assert all(line.startswith("  ") for line in lines[1:]), proc.stderr  # only an ERC's listed violations
    assert _tree(tmp_path) == before
