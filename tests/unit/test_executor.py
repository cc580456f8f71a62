"""The executor behind every parallel run: local pools give ordered results, failures surface,
and bad settings are one clear error. (dask clusters: tests/unit/test_explore_dask.py.)"""

from __future__ import annotations

import math

import pytest

from mramcim.errors import InputError, OptionError
from mramcim.executor import PoolExecutor, map_ordered, open_executor
from mramcim.options import Pool


def _square_root(x: float) -> float:
    return math.sqrt(x)


@pytest.mark.parametrize("pool", [Pool.THREAD, Pool.PROCESS])
def test_map_ordered_keeps_the_item_order(pool):
    seen = []
    with open_executor(2, local=pool) as ex:
        out = map_ordered(ex, _square_root, [16.0, 1.0, 9.0, 4.0], seen.append)
    assert out == [4.0, 1.0, 3.0, 2.0]
    assert sorted(seen) == [0, 1, 2, 3]
    assert "2 workers" in ex.description and str(pool) in ex.description


def test_a_task_error_is_reported_per_item_and_raised_by_map_ordered():
    with PoolExecutor(2) as ex:
        done = sorted(ex.run(_square_root, [4.0, -1.0]), key=lambda d: d.index)
        assert done[0].value == 2.0 and done[0].error is None
        assert isinstance(done[1].error, ValueError) and done[1].value is None
        with pytest.raises(ValueError, match="math domain"):
            map_ordered(ex, _square_root, [1.0, -1.0])


def test_bad_settings_are_one_clear_error():
    with pytest.raises(InputError, match="workers must be at least 1, got 0"):
        open_executor(0)
    with pytest.raises(OptionError, match="unknown pool 'threads'.*did you mean 'thread'"):
        open_executor(1, local="threads")
