"""Datasets as binary (+-1) inputs and integer labels (`load_dataset`), or as grey levels in
[0, 1] for real-valued networks (`load_grey`: fashion-mnist, digits).

- digits: scikit-learn 8x8 digits (1797), pixel > 7 of 16 -> +1; fixed 80/20 split (seed 0).
- wine: scikit-learn Wine (178 x 13); each standardized feature becomes a 4-level thermometer
  code at the training-set quartiles (52 binary inputs); fixed 70/30 split (seed 0).
- mnist: IDX files (gz or raw) from a folder: `--data-dir`, else env MRAMCIM_MNIST_DIR, else the
  first of ../shared/datasets/mnist-full, ../shared/datasets/mnist that holds the train and test
  files (60k/10k), else the first that holds the test files: the 10k test set is then split 8k/2k
  with seed 0 (documented fallback). The note names the folder used. Every file is checked by the
  md5 of its decompressed IDX content (a re-compressed .gz or a raw file of the original data
  passes); pixel > 127 -> +1. `download_mnist` (`mramcim fetch-mnist`) fetches the four .gz files
  when online, md5-verified.
- fashion-mnist: the Debian package `dataset-fashion-mnist` (60k/10k), pixel > 127 -> +1.
"""

from __future__ import annotations

import gzip
import hashlib
import math
import os
import urllib.error
import urllib.parse
import urllib.request
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from mramcim.artifacts import write_bytes
from mramcim.errors import InputError, suggest

__all__ = [
    "DATASETS",
    "GREY_DATASETS",
    "Dataset",
    "download_mnist",
    "load_dataset",
    "load_grey",
    "read_idx",
    "validation_split",
]

DATASETS = ("digits", "wine", "mnist", "fashion-mnist")
MNIST_MD5 = {
    "t10k-images-idx3-ubyte.gz": "9fb629c4189551a2d022fa330f9573f3",
    "t10k-labels-idx1-ubyte.gz": "ec29112dd5afa0611ce80d1b7f02629c",
    "train-labels-idx1-ubyte.gz": "d53e105ee54ea40749a09fcbcd1e9432",
    "train-images-idx3-ubyte.gz": "f68b3c2dcbeaaa9fbdd348bbdeb94873",
}
# md5 of the decompressed IDX content: the same for the original .gz, a re-compressed .gz and raw
MNIST_CONTENT_MD5 = {
    "t10k-images-idx3-ubyte": "2646ac647ad5339dbf082846283269ea",
    "t10k-labels-idx1-ubyte": "27ae3e4e09519cfbb04c329615203637",
    "train-images-idx3-ubyte": "6bbc9ace898e44ae57da46a324031adb",
    "train-labels-idx1-ubyte": "a25bea736e30d166cdddb491f175f624",
}
MNIST_DIRS = (
    "../shared/datasets/mnist-full",
    "../shared/datasets/mnist",
    "shared/datasets/mnist-full",
    "shared/datasets/mnist",
)
MNIST_URL = "https://storage.googleapis.com/cvdf-datasets/mnist/"
FASHION_DIRS = ("/usr/share/datasets/fashion-mnist",)


@dataclass(frozen=True)
class Dataset:
    """Inputs are +-1 int8 from `load_dataset`, grey levels in [0, 1] (float32) from `load_grey`."""

    name: str
    x_train: npt.NDArray[Any]  # int8 +-1 (load_dataset) or float32 grey levels (load_grey)
    y_train: npt.NDArray[np.int64]
    x_test: npt.NDArray[Any]  # int8 +-1 (load_dataset) or float32 grey levels (load_grey)
    y_test: npt.NDArray[np.int64]
    n_classes: int
    note: str
    evaluation_set: str = "test"  # what x_test is: the test set, or training samples held out for validation


def _md5(data: bytes) -> str:
    return hashlib.md5(data, usedforsecurity=False).hexdigest()


def download_mnist(
    folder: str | Path, base_url: str = MNIST_URL, names: tuple[str, ...] = tuple(MNIST_MD5)
) -> list[Path]:
    """Fetch the MNIST IDX files into `folder`, keeping only files whose md5 matches.

    Raises:
        InputError: offline / unreachable (with the fallback explained) or a checksum mismatch.
    """
    try:
        parsed = urllib.parse.urlsplit(base_url)
    except ValueError as err:
        raise InputError(f"--url {base_url!r} is not an address ({err})") from None
    if parsed.scheme not in ("http", "https", "file") or not (parsed.netloc or parsed.path):
        raise InputError(f"--url must be an http(s):// or file:// address, got {base_url!r}")
    if not base_url.endswith("/"):
        base_url += "/"
    saved = []
    for name in names:
        target = Path(folder) / name
        if target.is_file() and _md5(target.read_bytes()) == MNIST_MD5[name]:
            saved.append(target)
            continue
        try:
            with urllib.request.urlopen(base_url + name, timeout=60) as response:
                data = response.read()
        except (urllib.error.URLError, OSError, ValueError) as err:
            if isinstance(err, urllib.error.HTTPError):
                err.close()
            raise InputError(
                f"cannot download {base_url}{name} ({getattr(err, 'reason', err)}); without the train images "
                "`--dataset mnist` uses the documented 8k/2k split of the test set"
            ) from None
        if _md5(data) != MNIST_MD5[name]:
            raise InputError(f"checksum mismatch for {base_url}{name}: not saved")
        saved.append(write_bytes(target, data))
    return saved


def read_idx(path: Path, md5: str | None = None) -> npt.NDArray[np.uint8]:
    """Read an IDX file (optionally gzip-compressed), verifying the md5 of its IDX content when given."""
    raw = path.read_bytes()
    try:
        data = gzip.decompress(raw) if path.suffix == ".gz" else raw
    except (OSError, EOFError, zlib.error) as err:
        raise InputError(f"checksum mismatch for {path}: the gzip stream is corrupt ({err})") from None
    if md5 is not None and _md5(data) != md5:
        raise InputError(f"checksum mismatch for {path}: the file is corrupt or not the original")
    try:
        data = gzip.decompress(raw) if path.suffix == ".gz" else raw
    except (OSError, EOFError, zlib.error) as err:
        raise InputError(f"checksum mismatch for {path}: the gzip stream is corrupt ({err})") from None
    if md5 is not None and _md5(data) != md5:
        raise InputError(f"checksum mismatch for {path}: the file is corrupt or not the original")
    if len(data) < 4 or data[0] != 0 or data[1] != 0 or data[2] != 8:
        raise InputError(f"{path} is not an unsigned-byte IDX file")
    ndim = data[3]
    dims = [int.from_bytes(data[4 + 4 * i : 8 + 4 * i], "big") for i in range(ndim)]
    if len(data) < 4 + 4 * ndim:
        raise InputError(f"{path}: truncated IDX header")
    body = np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim)
    if body.size != math.prod(dims):
        raise InputError(f"{path}: IDX header says {dims} but holds {body.size} bytes")
    return body.reshape(dims)


def _find(folder: Path, stem: str) -> Path | None:
    for name in (f"{stem}.gz", stem):
        if (folder / name).is_file():
            return folder / name
    return None


def _idx_pair(folder: Path, prefix: str, verify: bool) -> tuple[np.ndarray, np.ndarray] | None:
    images = _find(folder, f"{prefix}-images-idx3-ubyte")
    labels = _find(folder, f"{prefix}-labels-idx1-ubyte")
    if images is None or labels is None:
        return None
    md5 = (lambda p: MNIST_CONTENT_MD5.get(p.name.removesuffix(".gz"))) if verify else (lambda p: None)
    x = read_idx(images, md5(images))
    y = read_idx(labels, md5(labels))
    if x.shape[0] != y.shape[0]:
        raise InputError(f"{images} and {labels} hold different numbers of samples")
    return x.reshape(x.shape[0], -1), y.astype(np.int64)


def _binarize(pixels: np.ndarray, threshold: int | tuple[int, ...]) -> npt.NDArray[np.int8]:
    """+1 where pixel > threshold, else -1; several thresholds give one block of columns each
    (threshold-major: columns t * d .. (t + 1) * d - 1 compare every pixel with thresholds[t])."""
    if isinstance(threshold, int):
        return np.where(pixels > threshold, 1, -1).astype(np.int8)
    return np.concatenate([_binarize(pixels, int(t)) for t in threshold], axis=1)


def _has_pair(folder: Path, prefix: str) -> bool:
    return all(_find(folder, f"{prefix}-{kind}") for kind in ("images-idx3-ubyte", "labels-idx1-ubyte"))


def _mnist_folder(data_dir: str | None) -> Path:
    """The folder to read: the one asked for, else the first default holding 60k/10k, else test only."""
    if data_dir:
        return Path(data_dir)
    env = os.environ.get("MRAMCIM_MNIST_DIR")
    if env:
        return Path(env)
    folders = [Path(c) for c in MNIST_DIRS if Path(c).is_dir()]
    for prefixes in (("train", "t10k"), ("t10k",)):
        found = next((f for f in folders if all(_has_pair(f, p) for p in prefixes)), None)
        if found is not None:
            return found
    raise InputError(
        f"MNIST not found in {', '.join(MNIST_DIRS)}: run `mramcim fetch-mnist --dir DIR` and pass --data-dir DIR "
        "(or set MRAMCIM_MNIST_DIR to a folder with the IDX files)"
    )


def _mnist(data_dir: str | None, thresholds: tuple[int, ...] = (127,)) -> Dataset:
    folder = _mnist_folder(data_dir)
    if not folder.is_dir():
        raise InputError(f"MNIST folder {folder} does not exist")
    test = _idx_pair(folder, "t10k", verify=True)
    if test is None:
        raise InputError(f"no t10k-images-idx3-ubyte(.gz)/t10k-labels-idx1-ubyte(.gz) in {folder}")
    train = _idx_pair(folder, "train", verify=True) if _find(folder, "train-images-idx3-ubyte") else None
    if train is not None:
        return Dataset(
            "mnist",
            _binarize(train[0], thresholds),
            train[1],
            _binarize(test[0], thresholds),
            test[1],
            10,
            f"{folder}: MNIST 60k/10k (IDX content md5-verified)",
        )
    order = np.random.default_rng(0).permutation(test[0].shape[0])
    cut = int(0.8 * order.size)
    x, y = _binarize(test[0], thresholds), test[1]
    note = f"{folder}: no train images, 10k test set split 8k/2k (seed 0)"
    return Dataset("mnist", x[order[:cut]], y[order[:cut]], x[order[cut:]], y[order[cut:]], 10, note)


def _fashion_idx(data_dir: str | None) -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray], Path]:
    candidates = [data_dir] if data_dir else list(FASHION_DIRS)
    for c in candidates:
        folder = Path(c)
        if not folder.is_dir():
            continue
        for sub in [folder, *sorted(p for p in folder.rglob("*") if p.is_dir())]:
            train, test = _idx_pair(sub, "train", False), _idx_pair(sub, "t10k", False)
            if train and test:
                return train, test, sub
    raise InputError("Fashion-MNIST not found: sudo apt-get install dataset-fashion-mnist (or pass --data-dir DIR)")


def _fashion(data_dir: str | None, thresholds: tuple[int, ...] = (127,)) -> Dataset:
    train, test, folder = _fashion_idx(data_dir)
    return Dataset(
        "fashion-mnist",
        _binarize(train[0], thresholds),
        train[1],
        _binarize(test[0], thresholds),
        test[1],
        10,
        f"{folder}: 60k/10k",
    )


GREY_DATASETS = ("fashion-mnist", "digits")


def load_grey(name: str, data_dir: str | None = None) -> Dataset:
    """`name` (one of GREY_DATASETS) with pixels scaled to [0, 1] (float32), for real-valued networks."""
    if name == "fashion-mnist":
        train, test, folder = _fashion_idx(data_dir)
        return Dataset(
            name,
            train[0].astype(np.float32) / 255,
            train[1],
            test[0].astype(np.float32) / 255,
            test[1],
            10,
            f"{folder}: 60k/10k",
        )
    if name == "digits":
        from sklearn.datasets import load_digits

        d = load_digits()
        xtr, xte, ytr, yte = _split((d.data / 16).astype(np.float32), d.target.astype(np.int64), 0.2)
        return Dataset(name, xtr, ytr, xte, yte, 10, "scikit-learn digits, 80/20 split (seed 0)")
    raise InputError(
        f"unknown dataset {name!r}{suggest(name, GREY_DATASETS)}; choose one of {', '.join(GREY_DATASETS)}"
    )


def validation_split(data: Dataset, n_val: int = 10000, seed: int = 0) -> Dataset:
    """Hold out `n_val` training samples (seeded) as the evaluation set, for choosing settings
    without looking at the test set; the test set is not part of the result.

    Raises:
        InputError: n_val not between 1 and the training-set size - 1.
    """
    n = data.y_train.size
    if not 0 < n_val < n:
        raise InputError(f"a validation split needs 0 < n_val < {n} training samples, got {n_val}")
    order = np.random.default_rng(seed).permutation(n)
    fit, val = np.sort(order[n_val:]), np.sort(order[:n_val])
    return Dataset(
        data.name,
        data.x_train[fit],
        data.y_train[fit],
        data.x_train[val],
        data.y_train[val],
        data.n_classes,
        f"{data.note}; validation split: {n - n_val} fit / {n_val} held out of the training set (seed {seed})",
        f"validation ({n_val} held-out training samples)",
    )


def _split(x: np.ndarray, y: np.ndarray, test_fraction: float) -> tuple[np.ndarray, ...]:
    from sklearn.model_selection import train_test_split

    return tuple(train_test_split(x, y, test_size=test_fraction, random_state=0, stratify=y))


def load_dataset(
    name: str, data_dir: str | None = None, thresholds: tuple[int, ...] = (127,), *, validation: int = 0
) -> Dataset:
    """Load `name` (one of DATASETS) as +-1 inputs.

    Args:
        thresholds: mnist and fashion-mnist: grey levels (0-255); every pixel becomes one +-1
            input per threshold (pixel > threshold), so d = 784 x len(thresholds).
        validation: > 0: hold out this many training samples (seed 0) as the evaluation set
            (`validation_split`); the test set is not returned.

    Raises:
        InputError: unknown name, missing files, checksum mismatch, thresholds for a dataset
            without 8-bit pixels or outside 0-254, a validation size outside 1..n_train - 1.
    """
    data = _load(name, data_dir, thresholds)
    return validation_split(data, validation, seed=0) if validation else data


def _load(name: str, data_dir: str | None, thresholds: tuple[int, ...]) -> Dataset:
    thresholds = tuple(int(t) for t in thresholds)
    if not thresholds or any(not 0 <= t < 255 for t in thresholds):
        raise InputError(f"input thresholds must be grey levels 0..254, got {thresholds}")
    if thresholds != (127,) and name not in ("mnist", "fashion-mnist"):
        raise InputError(f"input thresholds are for the 8-bit image datasets (mnist, fashion-mnist), not {name!r}")
    if name == "digits":
        from sklearn.datasets import load_digits

        d = load_digits()
        xtr, xte, ytr, yte = _split(_binarize(d.data, 7), d.target.astype(np.int64), 0.2)
        return Dataset("digits", xtr, ytr, xte, yte, 10, "scikit-learn digits, 80/20 split (seed 0)")
    if name == "wine":
        from sklearn.datasets import load_wine

        d = load_wine()
        xtr, xte, ytr, yte = _split(d.data, d.target.astype(np.int64), 0.3)
        cuts = np.quantile(xtr, [0.2, 0.4, 0.6, 0.8], axis=0)  # (4, 13) thermometer thresholds

        def code(x: np.ndarray) -> npt.NDArray[np.int8]:
            return np.where(x[:, None, :] > cuts[None], 1, -1).reshape(x.shape[0], -1).astype(np.int8)

        return Dataset(
            "wine", code(xtr), ytr, code(xte), yte, 3, "scikit-learn wine, thermometer code, 70/30 split (seed 0)"
        )
    if name == "mnist":
        return _mnist(data_dir, thresholds)
    if name == "fashion-mnist":
        return _fashion(data_dir, thresholds)
    raise InputError(f"unknown dataset {name!r}{suggest(name, DATASETS)}; choose one of {', '.join(DATASETS)}")
