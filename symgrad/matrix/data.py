"""Data sets (:class:`DataSet`: inputs with class labels or numeric targets), and images with class
labels as S2 prepares MNIST: each image flattened to one row, scaled to [0, 1] and normalised with
mean 0.5 and standard deviation 0.5 (so into [-1, 1]).

:func:`load_mnist` reads MNIST's IDX files (:func:`read_idx`); :func:`load_digits` is the demo data
a package ships (scikit-learn's 8x8 digits, scaled to 28x28), since nothing can be downloaded here.

The IDX file format that MNIST comes in: a 4-byte magic number (two zero bytes, a type code, the
number of dimensions), each dimension as a big-endian 32-bit integer, then the values, big-endian,
row-major. Files may be gzipped (``.gz``).
"""

import gzip
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..core.errors import DataError

__all__ = ["DataSet", "normalise", "read_idx", "load_mnist", "load_digits", "scale_images"]

IDX_TYPES = {0x08: ">u1", 0x09: ">i1", 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}  # IDX type codes
MNIST_FILES = {"train": (("train-images", 3), ("train-labels", 1)),
               "test": (("t10k-images", 3), ("t10k-labels", 1))}
DIGITS_TEST = 297  # the last 297 of scikit-learn's 1797 digits (other writers) are the test split


@dataclass(frozen=True)
class DataSet:
    """``inputs`` (one sample per row of an ``N x k`` array, per image of an ``N x C x H x W`` one, or
    per token index of a vector of integers) and their ``targets``: class indices (a vector of integers
    from 0, for ``nll`` and ``cross_entropy``) or numbers (an ``N x k`` float array, one row per
    sample: values for ``mse``, 0/1 labels or probabilities for ``bce_with_logits``)."""

    inputs: np.ndarray
    targets: np.ndarray

    def __post_init__(self):
        inputs, targets = np.asarray(self.inputs), np.asarray(self.targets)
        if inputs.ndim not in (1, 2, 4) or targets.shape[:1] != inputs.shape[:1]:
            raise DataError(f"a data set needs one class (or one row of numbers) per sample of its inputs, which are "
                            f"N x k rows, N x C x H x W images or N token indices: got inputs of shape "
                            f"{inputs.shape} and targets of shape {targets.shape}")
        if inputs.ndim == 1 and inputs.dtype.kind not in "iu":
            raise DataError(f"1-D inputs are token indices and must be integers, got {inputs.dtype}")
        if targets.ndim == 1 and targets.dtype.kind not in "iu":
            raise DataError(f"1-D targets are class indices and must be integers, got {targets.dtype} "
                            f"(numeric targets are one row per sample: targets.reshape(-1, 1))")
        if targets.ndim == 2 and targets.dtype.kind != "f":
            raise DataError(f"2-D targets are numbers (for mse or bce_with_logits) and must be floats, got "
                            f"{targets.dtype} (targets.astype(float))")
        if targets.ndim not in (1, 2):
            raise DataError(f"targets are a vector of class indices or an N x k array of numbers, got "
                            f"shape {targets.shape}")
        object.__setattr__(self, "inputs", inputs)
        object.__setattr__(self, "targets", targets)

    def __len__(self):
        return len(self.targets)

    def shaped(self, input_shape):
        """The data set with each sample as ``input_shape`` (a network's ``(C, H, W)``: rows of ``C H W``
        pixels, channel by channel, as images), or unchanged when ``input_shape`` is None."""
        if input_shape is None or self.inputs.shape[1:] == tuple(input_shape):
            return self
        if self.inputs.ndim != 2 or self.inputs.shape[1] != np.prod(input_shape):
            raise DataError(f"inputs of shape {self.inputs.shape} cannot be images of shape "
                            f"{' x '.join(map(str, input_shape))}")
        return DataSet(self.inputs.reshape(len(self.inputs), *input_shape), self.targets)

    @property
    def has_classes(self):
        """Whether the targets are class indices (else rows of numbers)."""
        return self.targets.ndim == 1

    @property
    def classes(self):
        """The targets as class indices; a :class:`~symgrad.core.errors.DataError` for numeric targets."""
        if not self.has_classes:
            raise DataError(f"this data set's targets are numbers ({' x '.join(map(str, self.targets.shape))}), "
                            f"not class indices")
        return self.targets


def normalise(images, maximum):
    """Images (any shape, values from 0 to ``maximum``) as float32 rows ``(x/maximum - 0.5)/0.5``:
    torchvision's ``ToTensor()`` then ``Normalize((0.5,), (0.5,))``, flattened."""
    x = np.asarray(images, dtype=np.float32).reshape(len(images), -1) / np.float32(maximum)
    return (x - np.float32(0.5)) / np.float32(0.5)


def read_idx(path):
    """The array an IDX file holds, in its own type (MNIST's: unsigned bytes)."""
    path = Path(path)
    if not path.is_file():
        raise DataError(f"no IDX file at {path}")
    raw = path.read_bytes()
    if raw[:2] == b"\x1f\x8b":
        try:
            raw = gzip.decompress(raw)
        except (OSError, EOFError) as error:
            raise DataError(f"{path}: the gzip stream is broken ({error})") from None
    if len(raw) < 4 or raw[:2] != b"\x00\x00":
        raise DataError(f"{path} is not an IDX file: it must start with two zero bytes")
    code, ndim = raw[2], raw[3]
    if code not in IDX_TYPES:
        raise DataError(f"{path}: unknown IDX type code 0x{code:02X} (known: "
                        f"{', '.join(f'0x{c:02X}' for c in IDX_TYPES)})")
    header = 4 + 4 * ndim
    if len(raw) < header:
        raise DataError(f"{path}: the header announces {ndim} dimensions but the file ends after {len(raw)} bytes")
    shape = tuple(int(d) for d in np.frombuffer(raw, ">u4", ndim, 4))
    dtype = np.dtype(IDX_TYPES[code])
    expected = header + int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
    if len(raw) != expected:
        raise DataError(f"{path}: a {' x '.join(map(str, shape))} array of {dtype.name} needs {expected} bytes, "
                        f"the file has {len(raw)}")
    return np.frombuffer(raw, dtype, offset=header).reshape(shape).astype(dtype.newbyteorder("="))


def load_mnist(folder, split="train"):
    """MNIST's ``train`` or ``test`` split from the IDX files in ``folder`` (``train-images-idx3-ubyte``,
    ``train-labels-idx1-ubyte``, ``t10k-...``; gzipped or not), normalised as S2 does."""
    if split not in MNIST_FILES:
        raise DataError(f"MNIST's splits are train and test, not {split!r}")
    images, labels = (read_idx(_find(Path(folder), *file)) for file in MNIST_FILES[split])
    if images.ndim != 3 or labels.ndim != 1 or len(images) != len(labels):
        raise DataError(f"MNIST {split}: expected N images of h x w pixels and N labels, got shapes "
                        f"{images.shape} and {labels.shape}")
    if labels.size and labels.max() > 9:
        raise DataError(f"MNIST {split}: labels go from 0 to 9, got {labels.max()}")
    return DataSet(normalise(images, 255), labels.astype(np.int64))


def _find(folder, stem, ndim):
    names = [f"{stem}-idx{ndim}-ubyte", f"{stem}.idx{ndim}-ubyte"]
    for name in names:
        for candidate in (folder / name, folder / f"{name}.gz"):
            if candidate.is_file():
                return candidate
    raise DataError(f"no {stem} IDX file in {folder} (looked for {names[0]}[.gz] and {names[1]}[.gz])")


def scale_images(images, size):
    """Square images resized to ``size x size`` by bilinear interpolation (pixel centres aligned)."""
    images = np.asarray(images, dtype=np.float64)
    resize = _interpolation(images.shape[-1], size)
    return resize @ images @ resize.T


def _interpolation(n, size):
    """The ``size x n`` matrix of linear interpolation weights from n pixels to ``size``."""
    position = np.clip((np.arange(size) + 0.5) * n / size - 0.5, 0, n - 1)
    low = np.floor(position).astype(int)
    high = np.minimum(low + 1, n - 1)
    weights = np.zeros((size, n))
    np.add.at(weights, (np.arange(size), low), 1 - (position - low))
    np.add.at(weights, (np.arange(size), high), position - low)
    return weights


def load_digits(split="train", size=28):
    """scikit-learn's 8x8 handwritten digits scaled to ``size x size`` and normalised as S2 normalises
    MNIST: 1500 images to train on, the last 297 to test on. Needs the ``digits`` extra."""
    if split not in ("train", "test"):
        raise DataError(f"the digits' splits are train and test, not {split!r}")
    try:
        from sklearn.datasets import load_digits as sklearn_digits
    except ImportError:
        raise DataError("the digits demo needs scikit-learn: pip install 'symgrad[digits]'") from None
    digits = sklearn_digits()
    cut = slice(None, -DIGITS_TEST) if split == "train" else slice(-DIGITS_TEST, None)
    return DataSet(normalise(scale_images(digits.images[cut], size), 16), digits.target[cut].astype(np.int64))
