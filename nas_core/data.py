"""Image data for networks (zero-cost proxies, supernets, training): no downloads, ever.

Sources, by spec string (`load(spec)`):

- `"digits"` (the embedded default): scikit-learn's bundled 1,797 real 8x8 handwritten digits,
  upsampled to 32x32 (bilinear, `scipy.ndimage.zoom`, deterministic) and repeated to 3 channels.
- `"cifar10:PATH"` / `"cifar100:PATH"`: a CIFAR directory in the standard python-pickle layout
  (`data_batch_1..5` + `test_batch`, or `train` + `test` for CIFAR-100), read with NumPy through a
  restricted unpickler that admits only what the batch dicts hold (NumPy arrays, lists, strings).
- `"npz:PATH"`: a NumPy `.npz` with images (n, 3, H, W) or (n, H, W, 3) and integer labels (n,):
  arrays `x` and `y`, else `x_<split>` and `y_<split>` (e.g. `x_train`/`y_train`); any other
  names with a query, `npz:PATH?x=KEY&y=KEY`, and the number of classes (when the labels in the
  file do not show all of them) with `&classes=N`. A file of prepared batches, for example:
  `npz:cifar10_cifar100_imagenet16_batches.npz?x=cifar10_batch64_x_uint8&y=cifar10_batch64_y`.
- `from_arrays(x, y)`: any arrays already in memory.

Images are kept as uint8 (or float) (n, 3, H, W); `batch(...)` returns float32 normalised with the
per-channel mean/std of the data itself (computed on the split in use), which for CIFAR-10's
training images gives the usual (0.491, 0.482, 0.447) / (0.247, 0.243, 0.262) on a 0..1 scale.
"""

from __future__ import annotations

import io
import pickle
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from nas_core.errors import DataFormatError, InvalidInputError, MissingFileError

SOURCES = ("digits", "cifar10:PATH", "cifar100:PATH", "npz:PATH", "npz:PATH?x=KEY&y=KEY")
#: The keys an npz spec's query takes.
NPZ_QUERY_KEYS = ("x", "y", "classes")

_CIFAR_FILES = {
    "cifar10": {"train": [f"data_batch_{i}" for i in range(1, 6)], "test": ["test_batch"]},
    "cifar100": {"train": ["train"], "test": ["test"]},
}
_LABEL_KEY = {"cifar10": "labels", "cifar100": "fine_labels"}
_NUM_CLASSES = {"cifar10": 10, "cifar100": 100}


@dataclass(frozen=True)
class ImageData:
    """Images (n, 3, H, W), integer labels (n,), per-channel mean and std (3,) on the images'
    own scale, and the number of classes."""

    name: str
    x: np.ndarray
    y: np.ndarray
    num_classes: int
    mean: np.ndarray
    std: np.ndarray

    @property
    def image_size(self) -> tuple[int, int]:
        return int(self.x.shape[2]), int(self.x.shape[3])

    def __len__(self) -> int:
        return len(self.y)

    def batch(self, batch_size: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
        """A normalised float32 batch (batch_size, 3, H, W) and its int64 labels, drawn without
        replacement by a `numpy.random.Generator(seed)`: the same seed gives the same batch."""
        if not 1 <= batch_size <= len(self):
            raise InvalidInputError(
                f"batch size must be in 1..{len(self)} for {self.name}, got {batch_size}"
            )
        idx = np.random.default_rng(seed).choice(len(self), size=batch_size, replace=False)
        x = (self.x[idx].astype(np.float32) - self.mean[:, None, None]) / self.std[:, None, None]
        return np.ascontiguousarray(x, dtype=np.float32), self.y[idx].astype(np.int64)


def from_arrays(
    x: np.ndarray, y: np.ndarray, num_classes: int | None = None, name: str = "arrays"
) -> ImageData:
    """Wrap arrays: x (n, 3, H, W) or (n, H, W, 3), any real dtype; y (n,) integer labels."""
    x = np.asarray(x)
    y = np.asarray(y)
    if x.ndim != 4 or 3 not in (x.shape[1], x.shape[3]):
        raise DataFormatError(
            f"{name}: images must have shape (n, 3, H, W) or (n, H, W, 3), got {x.shape}"
        )
    if x.shape[1] != 3:
        x = x.transpose(0, 3, 1, 2)
    if y.ndim != 1 or len(y) != len(x) or not np.issubdtype(y.dtype, np.integer):
        raise DataFormatError(
            f"{name}: labels must be {len(x)} integers (one per image), got {y.dtype} {y.shape}"
        )
    if not np.issubdtype(x.dtype, np.number):
        raise DataFormatError(f"{name}: images must be numeric, got {x.dtype}")
    if len(y) and y.min() < 0:
        raise DataFormatError(f"{name}: labels must be >= 0, got min {y.min()}")
    k = int(y.max()) + 1 if num_classes is None else int(num_classes)
    xf = x.astype(np.float64)
    mean = xf.mean(axis=(0, 2, 3)).astype(np.float32)
    std = xf.std(axis=(0, 2, 3)).astype(np.float32)
    std[std == 0] = 1.0
    return ImageData(name, np.ascontiguousarray(x), y.astype(np.int64), k, mean, std)


def digits(size: int = 32) -> ImageData:
    """scikit-learn's bundled digits (real, 8x8, 0..16), upsampled to `size` and scaled to
    0..255 uint8 on 3 identical channels."""
    from scipy.ndimage import zoom
    from sklearn.datasets import load_digits

    d = load_digits()
    img = d.images.astype(np.float64) * (255.0 / 16.0)
    up = zoom(img, (1, size / 8, size / 8), order=1)
    up = np.clip(np.rint(up), 0, 255).astype(np.uint8)
    x = np.repeat(up[:, None], 3, axis=1)
    return from_arrays(x, d.target, num_classes=10, name="digits")


class _BatchUnpickler(pickle.Unpickler):
    """Admits only what a CIFAR python batch holds: NumPy arrays and builtin containers."""

    _ALLOWED = {
        ("numpy.core.multiarray", "_reconstruct"),
        ("numpy._core.multiarray", "_reconstruct"),
        ("numpy", "ndarray"),
        ("numpy", "dtype"),
        ("builtins", "list"),
        ("builtins", "dict"),
        ("_codecs", "encode"),  # how protocol-2 pickles store bytes (harmless)
    }

    def find_class(self, module: str, name: str):
        if (module, name) in self._ALLOWED:
            return super().find_class(module, name)
        raise pickle.UnpicklingError(f"forbidden class {module}.{name} in a CIFAR batch file")


def _read_batch(path: Path) -> dict:
    try:
        with open(path, "rb") as f:
            obj = _BatchUnpickler(io.BufferedReader(f), encoding="latin1").load()
    except (pickle.UnpicklingError, EOFError, ValueError, TypeError, AttributeError) as e:
        raise DataFormatError(f"{path} is not a CIFAR python batch file ({e})") from None
    if not isinstance(obj, dict):
        raise DataFormatError(f"{path} is not a CIFAR python batch file (holds {type(obj)})")
    return {k.decode() if isinstance(k, bytes) else k: v for k, v in obj.items()}


def _user_path(path: str | Path) -> Path:
    """`~` expanded where it names a home ('~nosuchuser' or a NUL byte: left as written, and then
    simply not found)."""
    try:
        return Path(path).expanduser()
    except (RuntimeError, ValueError):
        return Path(path)


def cifar(path: str | Path, kind: str = "cifar10", split: str = "train") -> ImageData:
    """A CIFAR-10/100 directory in the python-pickle layout (see module docstring)."""
    if kind not in _CIFAR_FILES:
        raise InvalidInputError(f"unknown CIFAR kind {kind!r}; valid: cifar10, cifar100")
    if split not in ("train", "test"):
        raise InvalidInputError(f"unknown split {split!r}; valid: train, test")
    root = _user_path(path)
    if not root.is_dir():
        raise MissingFileError(
            f"{kind} directory not found: {root} (point at the extracted python-version folder, "
            f"e.g. 'cifar-10-batches-py' or 'cifar-100-python')"
        )
    names = _CIFAR_FILES[kind][split]
    files = [root / n for n in names]
    present = [f for f in files if f.is_file()]
    if not present:
        raise DataFormatError(
            f"{root} is not a {kind} directory in the python layout: expected "
            f"{', '.join(names)} (found {', '.join(sorted(p.name for p in root.iterdir())[:8]) or 'nothing'})"
        )
    xs, ys = [], []
    for f in present:
        d = _read_batch(f)
        key = _LABEL_KEY[kind]
        if "data" not in d or key not in d:
            raise DataFormatError(
                f"{f} lacks the 'data' and {key!r} entries of a {kind} batch "
                f"(has {', '.join(map(str, d))})"
            )
        data = np.asarray(d["data"])
        if data.ndim != 2 or data.shape[1] != 3 * 32 * 32:
            raise DataFormatError(
                f"{f}: 'data' must be (n, 3072) uint8 rows of 32x32 RGB images, got {data.shape}"
            )
        xs.append(data.reshape(-1, 3, 32, 32))
        ys.append(np.asarray(d[key], dtype=np.int64))
    return from_arrays(
        np.concatenate(xs), np.concatenate(ys), num_classes=_NUM_CLASSES[kind], name=kind
    )


def parse_npz_spec(rest: str) -> tuple[str, dict[str, str]]:
    """'PATH?x=KEY&y=KEY&classes=N' -> (PATH, {'x': KEY, ...}); a '?' followed by anything that
    is not KEY=VALUE pairs stays part of the path."""
    path, q, query = rest.rpartition("?")
    if not q or not query or not all("=" in part for part in query.split("&")):
        return rest, {}
    opts: dict[str, str] = {}
    for part in query.split("&"):
        key, _, value = part.partition("=")
        key = key.strip()
        if key not in NPZ_QUERY_KEYS:
            raise InvalidInputError(
                f"unknown npz option {key!r} in {rest!r}; valid: {', '.join(NPZ_QUERY_KEYS)} "
                "(npz:PATH?x=KEY&y=KEY&classes=N)"
            )
        if not value:
            raise InvalidInputError(f"npz option {key!r} has no value in {rest!r}")
        opts[key] = value
    return path, opts


def npz(path: str | Path, split: str = "train", **opts: str) -> ImageData:
    """Images and labels from a `.npz` file (see the module docstring for which arrays)."""
    p = _user_path(path)
    if not p.is_file():
        raise MissingFileError(f"npz file not found: {p}")
    try:
        z = np.load(p, allow_pickle=False)
    except (ValueError, OSError) as e:
        raise DataFormatError(f"{p} is not a readable .npz ({e})") from None
    with z:
        names = list(z.files)
        keys = {}
        for role in ("x", "y"):
            if role in opts:
                keys[role] = opts[role]
            elif role in names:
                keys[role] = role
            elif f"{role}_{split}" in names:
                keys[role] = f"{role}_{split}"
        if len(keys) < 2 or any(k not in names for k in keys.values()):
            missing = [
                f"{role}={k!r}" if k else role
                for role in ("x", "y")
                for k in [keys.get(role)]
                if k is None or k not in names
            ]
            raise DataFormatError(
                f"{p}: no array for {', '.join(missing)}; its arrays: {', '.join(names) or 'none'}. "
                f"Name them with npz:{path}?x=KEY&y=KEY (default x and y, or x_{split} and "
                f"y_{split})"
            )
        try:
            x, y = z[keys["x"]], z[keys["y"]]
        except ValueError as e:  # an object array needs pickle, which is never allowed
            raise DataFormatError(f"{p} is not a readable .npz ({e})") from None
    classes = opts.get("classes")
    if classes is not None:
        try:
            k = int(classes)
        except ValueError:
            raise InvalidInputError(
                f"npz option classes must be an integer, got {classes!r}"
            ) from None
        if k < 1:
            raise InvalidInputError(f"npz option classes must be >= 1, got {k}")
        if (
            np.asarray(y).size
            and np.issubdtype(np.asarray(y).dtype, np.integer)
            and int(y.max()) >= k
        ):
            raise DataFormatError(f"{p}: labels go up to {int(y.max())} but classes={k}")
    else:
        k = None
    label = p.name if not opts else f"{p.name}?{keys['x']},{keys['y']}"
    return from_arrays(x, y, num_classes=k, name=label)


def load(spec: str = "digits", split: str = "train") -> ImageData:
    """Image data from a spec string: 'digits', 'cifar10:PATH', 'cifar100:PATH', 'npz:PATH'
    (with an optional query '?x=KEY&y=KEY&classes=N')."""
    kind, _, path = spec.partition(":")
    if kind == "digits" and not path:
        return digits()
    if kind in _CIFAR_FILES and path:
        return cifar(path, kind, split)
    if kind == "npz" and path:
        p, opts = parse_npz_spec(path)
        return npz(p, split, **opts)
    raise InvalidInputError(f"unknown image data {spec!r}; valid: {', '.join(SOURCES)}")
