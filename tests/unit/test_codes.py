import itertools

import numpy as np
import pytest

from mramcim.errors import InputError
from mramcim.learn.codes import make_codebook


@pytest.mark.parametrize(("length", "distance"), [(15, 8), (31, 16), (12, None), (7, None)])
def test_ecoc_corrects_its_designed_errors(length, distance):
    book = make_codebook("ecoc", 10, length, seed=0)
    assert book.words.shape == (10, length) and set(np.unique(book.words).tolist()) == {-1, 1}
    if distance is not None:  # Hadamard rows reach the Plotkin bound
        assert book.min_distance == distance
    t = book.correctable_bits
    assert t == (book.min_distance - 1) // 2
    rng = np.random.default_rng(0)
    for c in range(10):
        for _ in range(50):
            scores = book.words[c].astype(np.float32) * rng.uniform(1, 5, length)
            scores[rng.choice(length, size=t, replace=False)] *= -1  # t bit errors
            assert book.decode(scores[None])[0] == c


def test_hamming_decoding_is_exhaustively_right_for_one_error():
    book = make_codebook("ecoc", 10, 15)
    assert book.correctable_bits == 3
    for c, bit in itertools.product(range(10), range(15)):
        word = book.words[c].astype(np.float32)
        word[bit] *= -1
        assert book.decode(word[None])[0] == c


def test_hamming_ties_go_to_the_larger_correlation():
    book = make_codebook("ecoc", 4, 2)  # 4 words of 2 bits: distance 1, nothing correctable
    assert book.correctable_bits == 0
    decoded = book.decode(book.words.astype(np.float32))
    assert decoded.tolist() == [0, 1, 2, 3]


def test_onehot_decodes_by_argmax():
    book = make_codebook("onehot", 3)
    assert book.decode(np.array([[1.0, 5.0, -2.0], [-9.0, -8.0, -1.0]])).tolist() == [1, 2]


@pytest.mark.parametrize(
    ("kind", "length", "message"),
    [
        ("ecoc", 3, r"ceil\(log2\(10\)\) = 4"),
        ("hamming", None, "unknown output code"),
        ("onehot", 12, "r bits per class"),
    ],
)
def test_bad_codes(kind, length, message):
    with pytest.raises(InputError, match=message):
        make_codebook(kind, 10, length)


def test_replicated_onehot_decodes_by_the_sum_of_a_class_outputs():
    book = make_codebook("onehot", 3, 6)  # two outputs per class
    assert book.words.tolist() == [[1, 1, -1, -1, -1, -1], [-1, -1, 1, 1, -1, -1], [-1, -1, -1, -1, 1, 1]]
    scores = np.array(
        [[9.0, -9.0, 4.0, 4.0, 0.0, 1.0]]
    )  # class 0 has the largest single score, class 1 the largest sum
    assert book.decode(scores).tolist() == [1]
    assert book.as_dict()["decoding"] == "soft"


def test_soft_ecoc_decoding_uses_the_correlation():
    hard, soft = make_codebook("ecoc", 10, 15), make_codebook("ecoc", 10, 15, decoding="soft")
    assert np.array_equal(hard.words, soft.words)
    rng = np.random.default_rng(1)
    scores = rng.normal(size=(200, 15)).astype(np.float32)
    assert np.array_equal(soft.decode(scores), np.argmax(scores @ soft.words.T.astype(np.float32), axis=1))
    assert not np.array_equal(hard.decode(scores), soft.decode(scores))  # sign-only vs magnitude-aware
    with pytest.raises(InputError, match="unknown decoding"):
        make_codebook("ecoc", 10, 15, decoding="sfot")
