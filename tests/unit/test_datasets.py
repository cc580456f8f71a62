import functools
import gzip
import http.server
import shutil
import threading
from pathlib import Path

import numpy as np
import pytest

from mramcim.errors import InputError
from mramcim.learn.datasets import MNIST_MD5, download_mnist, load_dataset, read_idx

SHARED_MNIST = Path(__file__).resolve().parents[2] / ".." / "shared" / "datasets" / "mnist"
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
