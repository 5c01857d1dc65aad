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


def test_npz_query_names_the_arrays(tmp_path):
    x = np.random.default_rng(1).integers(0, 255, (6, 3, 8, 8)).astype(np.uint8)
    y = np.array([0, 1, 2, 0, 1, 2])
    np.savez(tmp_path / "b.npz", images=x, labels=y, x_test=x[:2], y_test=y[:2])
    d = data.load(f"npz:{tmp_path / 'b.npz'}?x=images&y=labels&classes=10")
    assert d.x.shape == (6, 3, 8, 8) and d.num_classes == 10
    np.testing.assert_array_equal(d.y, y)
    assert len(data.load(f"npz:{tmp_path / 'b.npz'}", split="test")) == 2  # x_test / y_test
    with pytest.raises(DataFormatError) as e:
        data.load(f"npz:{tmp_path / 'b.npz'}")  # no x/y, no x_train/y_train
    assert "images, labels, x_test, y_test" in str(e.value) and "?x=KEY&y=KEY" in str(e.value)
    with pytest.raises(DataFormatError, match="x='imagez'.*its arrays: images, labels"):
        data.load(f"npz:{tmp_path / 'b.npz'}?x=imagez&y=labels")
    with pytest.raises(
        InvalidInputError, match="unknown npz option 'z' in .*; valid: x, y, classes"
    ):
        data.load(f"npz:{tmp_path / 'b.npz'}?x=images&z=labels")
    with pytest.raises(DataFormatError, match="labels go up to 2 but classes=2"):
        data.load(f"npz:{tmp_path / 'b.npz'}?x=images&y=labels&classes=2")
    with pytest.raises(InvalidInputError, match="classes must be an integer"):
        data.load(f"npz:{tmp_path / 'b.npz'}?x=images&y=labels&classes=ten")


def test_real_npz_files_load_without_resaving():
    lossless = shared_file("images", "cifar10_lossless_6102.npz")
    train = data.load(f"npz:{lossless}")  # x_train / y_train for the train split
    assert train.x.shape == (5085, 3, 32, 32) and train.num_classes == 10
    assert len(data.load(f"npz:{lossless}", split="test")) == 1017
    assert np.allclose(train.mean / 255, [0.491, 0.482, 0.447], atol=0.01)
    batches = shared_file("images", "proxy-batches", "cifar10_cifar100_imagenet16_batches.npz")
    d = data.load(f"npz:{batches}?x=cifar100_batch64_x_uint8&y=cifar100_batch64_y&classes=100")
    assert d.x.shape == (640, 3, 32, 32) and d.num_classes == 100
    with pytest.raises(DataFormatError) as e:
        data.load(f"npz:{batches}")
    assert "cifar10_batch64_x_uint8" in str(e.value)  # names the arrays present
