import functools
import gzip
import hashlib
import http.server
import shutil
import threading
from pathlib import Path

import numpy as np
import pytest

from mramcim.errors import InputError
from mramcim.learn.datasets import (
    MNIST_CONTENT_MD5,
    MNIST_MD5,
    download_mnist,
    load_dataset,
    read_idx,
    validation_split,
)

SHARED_MNIST = Path(__file__).resolve().parents[2] / ".." / "shared" / "datasets" / "mnist"
SHARED_FULL = SHARED_MNIST.parent / "mnist-full"
needs_full = pytest.mark.skipif(
    not (SHARED_FULL / "train-images-idx3-ubyte.gz").is_file(), reason="shared MNIST 60k/10k absent"
)
needs_mnist = pytest.mark.skipif(
    not (SHARED_MNIST / "t10k-images-idx3-ubyte.gz").is_file(), reason="shared MNIST test set absent"
)


def test_unknown_dataset():
    with pytest.raises(InputError, match="did you mean 'wine'"):
        load_dataset("wien")


def test_idx_checksum_is_verified(tmp_path):
    path = tmp_path / "x-idx1-ubyte.gz"
    path.write_bytes(gzip.compress(bytes([0, 0, 8, 1, 0, 0, 0, 3, 1, 2, 3])))
    assert read_idx(path).tolist() == [1, 2, 3]
    with pytest.raises(InputError, match="checksum mismatch"):
        read_idx(path, md5="0" * 32)


@needs_mnist
def test_mnist_fallback_split_and_corrupt_copy(tmp_path):
    data = load_dataset("mnist", str(SHARED_MNIST))
    assert data.x_train.shape == (8000, 784) and data.x_test.shape == (2000, 784)
    assert set(np.unique(data.x_train).tolist()) == {-1, 1} and "8k/2k" in data.note
    for name in ("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"):
        shutil.copy(SHARED_MNIST / name, tmp_path / name)
    raw = bytearray((tmp_path / "t10k-labels-idx1-ubyte.gz").read_bytes())
    raw[-5] ^= 0xFF
    (tmp_path / "t10k-labels-idx1-ubyte.gz").write_bytes(bytes(raw))
    with pytest.raises(InputError, match="checksum mismatch"):
        load_dataset("mnist", str(tmp_path))


@pytest.fixture
def server(tmp_path):
    root = tmp_path / "mirror"
    root.mkdir()
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(root))
    handler.log_message = lambda *a, **k: None
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield root, f"http://127.0.0.1:{httpd.server_address[1]}/"
    httpd.shutdown()
    httpd.server_close()


@needs_mnist
def test_download_verifies_checksums(server, tmp_path):
    root, url = server
    name = "t10k-labels-idx1-ubyte.gz"
    shutil.copy(SHARED_MNIST / name, root / name)
    out = tmp_path / "out"
    assert download_mnist(out, url, (name,)) == [out / name]
    assert (out / name).read_bytes() == (SHARED_MNIST / name).read_bytes()
    other = "train-labels-idx1-ubyte.gz"
    (root / other).write_bytes(b"not mnist")
    with pytest.raises(InputError, match="checksum mismatch"):
        download_mnist(out, url, (other,))
    assert not (out / other).exists()
    with pytest.raises(InputError, match="cannot download .*8k/2k"):
        download_mnist(out, url, ("train-images-idx3-ubyte.gz",))
    assert set(MNIST_MD5) >= {name, other}


@needs_full
def test_mnist_full_is_preferred_and_checked_by_content(tmp_path, monkeypatch):
    monkeypatch.delenv("MRAMCIM_MNIST_DIR", raising=False)
    shared = tmp_path / "shared" / "datasets"
    full, test_only = shared / "mnist-full", shared / "mnist"
    full.mkdir(parents=True)
    test_only.mkdir()
    for name in MNIST_CONTENT_MD5:
        raw = gzip.decompress((SHARED_FULL / f"{name}.gz").read_bytes())
        if name.startswith("train"):  # re-compressed: another .gz md5, the same content
            (full / f"{name}.gz").write_bytes(gzip.compress(raw, compresslevel=1))
        else:  # raw IDX files are accepted too
            (full / name).write_bytes(raw)
            shutil.copy(SHARED_FULL / f"{name}.gz", test_only / f"{name}.gz")
    assert (
        MNIST_MD5["train-images-idx3-ubyte.gz"]
        != hashlib.md5((full / "train-images-idx3-ubyte.gz").read_bytes()).hexdigest()
    )
    repo = tmp_path / "repo"
    repo.mkdir()
    monkeypatch.chdir(repo)  # the defaults are ../shared/datasets/mnist-full, then ../shared/datasets/mnist
    data = load_dataset("mnist")
    assert data.x_train.shape == (60000, 784) and data.x_test.shape == (10000, 784)
    assert "mnist-full" in data.note and "60k/10k" in data.note
    assert np.bincount(data.y_train).tolist()[:2] == [5923, 6742]  # the genuine MNIST training labels
    (full / "train-images-idx3-ubyte.gz").unlink()  # no folder with 60k/10k: the first with the test set, split 8k/2k
    fallback = load_dataset("mnist")
    assert fallback.x_train.shape == (8000, 784) and "8k/2k" in fallback.note and "mnist-full" in fallback.note
    (full / "t10k-images-idx3-ubyte").rename(full / "spare")
    assert str(Path("../shared/datasets/mnist")) + ":" in load_dataset("mnist").note
    (full / "spare").rename(full / "t10k-images-idx3-ubyte")
    val = validation_split(data, 10000, seed=0)
    assert val.x_train.shape == (50000, 784) and val.x_test.shape == (10000, 784) and "validation" in val.note
    order = np.random.default_rng(0).permutation(60000)
    assert np.array_equal(
        val.y_test, data.y_train[np.sort(order[:10000])]
    )  # held out by index, disjoint from the fit part
    assert np.array_equal(val.y_train, data.y_train[np.sort(order[10000:])])
    with pytest.raises(InputError, match="n_val"):
        validation_split(data, 60000)
    corrupt = bytearray(gzip.decompress((SHARED_FULL / "t10k-labels-idx1-ubyte.gz").read_bytes()))
    corrupt[-1] = (corrupt[-1] + 1) % 10
    (full / "t10k-labels-idx1-ubyte").write_bytes(bytes(corrupt))
    with pytest.raises(InputError, match="checksum mismatch"):
        load_dataset("mnist", str(full))


@needs_mnist
def test_input_thresholds_give_one_column_block_per_threshold():
    one = load_dataset("mnist", str(SHARED_MNIST))
    two = load_dataset("mnist", str(SHARED_MNIST), thresholds=(64, 127))
    assert two.x_train.shape == (8000, 2 * 784)
    assert np.array_equal(two.x_train[:, 784:], one.x_train)
    assert np.all(two.x_train[:, :784] >= two.x_train[:, 784:])  # pixel > 127 implies pixel > 64
    with pytest.raises(InputError, match="8-bit image datasets"):
        load_dataset("digits", thresholds=(64,))
    with pytest.raises(InputError, match="grey levels"):
        load_dataset("mnist", str(SHARED_MNIST), thresholds=(300,))
