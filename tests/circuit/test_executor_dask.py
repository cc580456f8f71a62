"""Monte-Carlo ngspice decks on a dask cluster started by the test: the same trials as on a local
thread, because every deck carries its own seed."""

from __future__ import annotations

import json

import pytest


def _record(proc) -> dict:
    assert proc.returncode == 0, proc.stderr
    return {k: v for k, v in json.loads(proc.stdout).items() if k not in ("provenance", "out")}


@pytest.mark.ngspice
def test_mtj_trials_on_a_cluster_equal_the_local_run(run_cli, dask_scheduler):
    # 2 decks of 16 devices; a 0.5 ns pulse leaves some devices near the equator, so outcomes differ by seed
    args = ["mtj", "toggle", "--width-ns", "0.5", "--trials", "32", "--seed", "3", "--no-cache", "--json"]
    local = _record(run_cli(*args, "--workers", "1", "--out", "local"))
    remote = _record(run_cli(*args, "--scheduler", dask_scheduler, "--out", "remote"))
    assert remote == local
    assert local["points"][0][0]["trials"] == 32
