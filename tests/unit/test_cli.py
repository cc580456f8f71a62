"""Bad input through the real console entry point: one line, non-zero exit, no file left."""

import numpy as np
import pytest


@pytest.mark.parametrize(
    "args",
    [
        ["gen-array", "--rows", "0", "-o", "out.cir"],
        ["gen-array", "--rows", "-3", "-o", "out.cir"],
        ["gen-array", "--rows", "100000000", "-o", "out.cir"],
        ["gen-array", "--rows", "8", "--tech", "missing.yaml", "-o", "out.cir"],
        ["gen-array", "--rows", "8", "--weights", "w_bad.npy", "-o", "out.cir"],
        ["gen-array", "--rows", "8", "--cols", "2", "--weights", "w_shape.npy", "-o", "out.cir"],
        ["train", "--algo", "tgbnn", "--dataset", "imagenet", "--out", "out.cir"],
    ],
)
def test_bad_input_is_one_clear_line(run_cli, tmp_path, args):
    np.save(tmp_path / "w_bad.npy", np.full((8, 2), 3))
    np.save(tmp_path / "w_shape.npy", np.ones((7, 2)))
    proc = run_cli(*args)
    assert proc.returncode == 1
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), proc.stderr
    assert "Traceback" not in proc.stderr
    assert not (tmp_path / "out.cir").exists()


def test_non_integer_rows_is_a_usage_error(run_cli):
    proc = run_cli("gen-array", "--rows", "1.5")
    assert proc.returncode == 2 and "not a valid integer" in proc.stderr


def test_gen_array_writes_a_deck(run_cli, tmp_path):
    proc = run_cli("gen-array", "--rows", "784", "-o", "sop.cir")
    assert proc.returncode == 0, proc.stderr
    deck = (tmp_path / "sop.cir").read_text()
    assert deck.count(" wl tile_half m0=") == 784 * 2  # the data columns
    assert deck.count(" wlr tile_half m0=") == 784 * 2  # the replica reference columns (default design)
    assert deck.count("Rtap") == 13 * 4  # 64-row segments on the global bit lines
    proc = run_cli("check", "sop.cir")
    assert proc.returncode == 0 and "ERC clean" in proc.stdout


def test_check_reports_violations(run_cli, tmp_path):
    (tmp_path / "bad.cir").write_text("t\nV1 a 0 1\nR1 a b 1k\nC1 b c 1p\n.end\n")
    proc = run_cli("check", "bad.cir")
    assert proc.returncode == 1 and "no-dc-path: c" in proc.stderr


def test_version_names_the_package_python_numpy_and_simulator(run_cli):
    proc = run_cli("--version")
    assert proc.returncode == 0, proc.stderr
    for word in ("mramcim", "Python", "numpy", "PySpice", "ngspice"):
        assert word in proc.stdout


def test_verbose_logs_on_stderr_and_quiet_by_default(run_cli):
    args = ("characterize", "array", "--rows", "8", "--cols", "2", "--mc", "1", "--no-toggle-errors")
    quiet = run_cli(*args, "--out", "q")
    loud = run_cli("-v", *args, "--out", "v")
    assert quiet.returncode == 0 and loud.returncode == 0, loud.stderr
    assert "INFO mramcim.array.transfer" not in quiet.stderr
    assert "INFO mramcim.array.transfer: transfer characteristic: 5 reads of a 8 x 2 half array" in loud.stderr
    assert "INFO mramcim.report.publish: wrote" in loud.stderr
