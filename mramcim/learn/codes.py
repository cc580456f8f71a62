"""Output codes: one-hot or error-correcting output codes (ECOC), and their decoding.

A codebook gives every class a +-1 codeword of length L, one output neuron per bit. One-hot has
L = classes and decodes by the largest score; a replicated one-hot code (L = r x classes) gives
every class r output neurons and decodes by the largest sum of its r scores (the correlation with
the codewords), so the binary output weights of a class act together like multi-level weights.
ECOC (Dietterich & Bakiri 1995; used for TGBNN in IEEE Access 12:150962, 2024) uses codewords far
apart in Hamming distance d, so the sensed output bits can carry floor((d - 1) / 2) errors and
still decode to the right class:
- L + 1 a power of two: rows of the Sylvester-Hadamard matrix with its all-ones column removed
  (every pair at distance (L + 1) / 2, the Plotkin bound);
- any other L: a seeded hill-climb that maximizes the minimum distance, then the number of
  pairs at that distance.
ECOC decoding is by Hamming distance of the output signs, ties going to the larger score
correlation ("hard": the outputs can be sensed as bits), or by the score correlation alone ("soft":
needs the output popcounts, as one-hot decoding does).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from mramcim.errors import InputError
from mramcim.options import Decoding, OutputCode, parse_option

__all__ = ["Codebook", "make_codebook"]

SEARCH_STEPS = 4000


@dataclass(frozen=True)
class Codebook:
    kind: str
    words: npt.NDArray[np.int8]  # (classes, L), +-1
    decoding: Decoding = Decoding.HARD  # ECOC only: "hard" (Hamming, ties by correlation) or "soft" (correlation)

    @property
    def length(self) -> int:
        return int(self.words.shape[1])

    @property
    def min_distance(self) -> int:
        return int(_distances(self.words)[np.triu_indices(self.words.shape[0], 1)].min())

    @property
    def correctable_bits(self) -> int:
        """Output-bit errors that Hamming decoding always corrects (one-hot decodes by argmax)."""
        return (self.min_distance - 1) // 2 if self.kind == "ecoc" else 0

    def targets(self, labels: npt.NDArray[np.int64]) -> npt.NDArray[np.int8]:
        return self.words[labels]

    def decode(self, scores: npt.NDArray[np.floating] | npt.NDArray[np.integer]) -> npt.NDArray[np.int64]:
        """Class per row of output scores (batch, L)."""
        scores = np.asarray(scores, dtype=np.float32)
        words = self.words.astype(np.float32)
        if self.kind == "onehot" or self.decoding == "soft":
            return np.argmax(scores @ words.T, axis=1)  # one-hot: 2 (sum of the class's scores) - sum of all
        bits = np.where(scores >= 0, 1.0, -1.0).astype(np.float32)
        hamming = (self.length - bits @ words.T) / 2
        correlation = scores @ words.T
        # integer distance first; the correlation (bounded by L * max|score|) only breaks ties
        scale = 2 * self.length * (float(np.abs(scores).max(initial=0.0)) + 1)
        return np.argmin(hamming * scale - correlation, axis=1)

    def as_dict(self) -> dict[str, object]:
        return {
            "kind": self.kind,
            "decoding": "soft" if self.kind == "onehot" else str(self.decoding),
            "length": self.length,
            "min_distance": self.min_distance,
            "correctable_bits": self.correctable_bits,
            "words": self.words.tolist(),
        }


def _distances(words: npt.NDArray[np.int8]) -> npt.NDArray[np.int64]:
    w = words.astype(np.int64)
    return (w.shape[1] - w @ w.T) // 2


def _hadamard(order: int) -> npt.NDArray[np.int8]:
    h = np.ones((1, 1), dtype=np.int8)
    while h.shape[0] < order:
        h = np.block([[h, h], [h, -h]]).astype(np.int8)
    return h


def _score(words: npt.NDArray[np.int8]) -> tuple[int, int]:
    d = _distances(words)[np.triu_indices(words.shape[0], 1)]
    low = int(d.min())
    return low, -int(np.sum(d == low))


def _searched(classes: int, length: int, seed: int) -> npt.NDArray[np.int8]:
    rng = np.random.default_rng(seed)
    words = rng.choice(np.array([-1, 1], dtype=np.int8), size=(classes, length))
    best = _score(words)
    for _ in range(SEARCH_STEPS):
        i, j = rng.integers(classes), rng.integers(length)
        words[i, j] *= -1
        trial = _score(words)
        if trial >= best:
            best = trial
        else:
            words[i, j] *= -1
    return words


MAX_CODE_LENGTH = 1023  # the longest Hadamard ECOC used here; longer codes only cost time


def make_codebook(
    kind: str, classes: int, length: int | None = None, seed: int = 0, decoding: str = "hard"
) -> Codebook:
    """One-hot (length = classes, or r x classes: r outputs per class) or an ECOC codebook of
    `length` bits (default 2^k - 1 >= 2 classes), decoded "hard" or "soft" (ECOC).

    Raises:
        InputError: unknown kind, a length too short to give every class its own codeword, or a
            length given for one-hot.
    """
    kind = parse_option(OutputCode, kind, "output code")
    if classes < 2:
        raise InputError(f"an output code needs at least 2 classes, got {classes}")
    decoding = parse_option(Decoding, decoding, "decoding")
    if kind == "onehot":
        if length is not None and (length < classes or length % classes):
            raise InputError(f"one-hot codes have r bits per class: a multiple of {classes} classes, got {length}")
        r = 1 if length is None else length // classes
        return Codebook("onehot", (2 * np.repeat(np.eye(classes, dtype=np.int8), r, axis=1) - 1).astype(np.int8))
    shortest = math.ceil(math.log2(classes))
    if length is None:
        length = 2 ** math.ceil(math.log2(2 * classes)) - 1
    if length > MAX_CODE_LENGTH:
        raise InputError(f"code length {length} is longer than {MAX_CODE_LENGTH} bits")
    if length < shortest:
        raise InputError(
            f"code length {length} is too short for {classes} classes: distinct codewords need at least "
            f"ceil(log2({classes})) = {shortest} bits"
        )
    if (length + 1) & length == 0 and classes <= length:
        rows = _hadamard(length + 1)[1 : classes + 1, 1:]
        return Codebook("ecoc", np.ascontiguousarray(rows), decoding)
    book = Codebook("ecoc", _searched(classes, length, seed), decoding)
    if book.min_distance == 0:
        raise InputError(
            f"no {length}-bit code with {classes} distinct codewords was found; use a longer --code-length"
        )
    return book
