from __future__ import annotations

import os
import pickle

import numpy as np
import pytest

from nas_core import data
from nas_core.errors import DataFormatError, InvalidInputError, MissingFileError
from tests.conftest import shared_file


def test_digits_default_is_deterministic_and_normalised():
    d = data.load("digits")
    assert d.x.shape == (1797, 3, 32, 32) and d.x.dtype == np.uint8 and d.num_classes == 10
    x1, y1 = d.batch(64, seed=3)
    x2, y2 = d.batch(64, seed=3)
    x3, _ = d.batch(64, seed=4)
    assert np.array_equal(x1, x2) and np.array_equal(y1, y2) and not np.array_equal(x1, x3)
    xa, _ = d.batch(len(d), seed=0)
    assert abs(xa.mean()) < 1e-3 and abs(xa.std() - 1) < 1e-2
    with pytest.raises(InvalidInputError, match="batch size"):
        d.batch(0)


def _fake_cifar(root, n=20, rows=3072):
    root.mkdir()
    rng = np.random.default_rng(0)
    for name in [f"data_batch_{i}" for i in range(1, 6)] + ["test_batch"]:
        batch = {
            b"data": rng.integers(0, 256, (n, rows), dtype=np.uint8),
            b"labels": rng.integers(0, 10, n).tolist(),
        }
        with open(root / name, "wb") as f:
            pickle.dump(batch, f, protocol=2)
    return root


def test_cifar_layout_and_errors(tmp_path):
    root = _fake_cifar(tmp_path / "c10")
    d = data.load(f"cifar10:{root}")
    assert d.x.shape == (100, 3, 32, 32) and d.num_classes == 10
    assert data.load(f"cifar10:{root}", split="test").x.shape == (20, 3, 32, 32)
    with pytest.raises(MissingFileError, match="not found"):
        data.load(f"cifar10:{tmp_path / 'nope'}")
    with pytest.raises(DataFormatError, match="data_batch_1"):
        data.load(f"cifar10:{tmp_path}")  # a directory, but not the layout
    with pytest.raises(DataFormatError, match="3072"):
        data.load(f"cifar10:{_fake_cifar(tmp_path / 'small', rows=768)}")
    with pytest.raises(InvalidInputError, match="digits"):
        data.load("imagenet:/x")


class _Evil:
    def __reduce__(self):
        return (os.getcwd, ())


def test_restricted_unpickler_refuses_foreign_classes(tmp_path):
    root = tmp_path / "evil"
    root.mkdir()
    with open(root / "test_batch", "wb") as f:
        pickle.dump({"data": _Evil()}, f)
    with pytest.raises(DataFormatError, match="forbidden"):
        data.load(f"cifar10:{root}", split="test")


def test_arrays_and_npz(tmp_path):
    x = np.random.default_rng(0).integers(0, 255, (10, 16, 16, 3)).astype(np.uint8)
    y = np.arange(10) % 3
    d = data.from_arrays(x, y)
    assert d.x.shape == (10, 3, 16, 16) and d.num_classes == 3 and d.image_size == (16, 16)
    np.savez(tmp_path / "a.npz", x=x, y=y)
    assert data.load(f"npz:{tmp_path / 'a.npz'}").x.shape == (10, 3, 16, 16)
    with pytest.raises(DataFormatError, match="shape"):
        data.from_arrays(np.zeros((4, 5, 5)), np.zeros(4, dtype=int))


def test_real_cifar10_directory():
    root = shared_file("images", "cifar-10-batches-py")
    d = data.load(f"cifar10:{root}")
    assert d.x.shape == (5085, 3, 32, 32) and set(np.unique(d.y)) == set(range(10))
    # the usual CIFAR-10 channel means on a 0..1 scale
    assert np.allclose(d.mean / 255, [0.491, 0.482, 0.447], atol=0.01)
