"""Data sets of images and class labels, and MNIST's IDX format on small files the tests write byte by byte."""

import gzip
import struct

import numpy as np
import pytest

from symgrad.core.errors import DataError
from symgrad.matrix.data import DataSet, load_digits, load_mnist, normalise, read_idx, scale_images


def idx_bytes(array, code):
    """An IDX file's bytes, written from the format's description (independently of the reader)."""
    header = struct.pack(">BBBB", 0, 0, code, array.ndim) + struct.pack(f">{array.ndim}I", *array.shape)
    return header + array.astype(array.dtype.newbyteorder(">")).tobytes()


def _write_mnist(folder, split, images, labels, compress=False):
    stems = {"train": ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
             "test": ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")}[split]
    for stem, array in zip(stems, (images, labels)):
        raw = idx_bytes(np.asarray(array, dtype=np.uint8), 0x08)
        (folder / (stem + (".gz" if compress else ""))).write_bytes(gzip.compress(raw) if compress else raw)


@pytest.mark.parametrize("split, compress", [("train", False), ("test", True)])
def test_mnist_from_idx_files_normalised_as_s2(tmp_path, split, compress):
    images = np.array([[[0, 255], [51, 102]], [[255, 255], [0, 0]], [[204, 153], [0, 255]]])
    _write_mnist(tmp_path, split, images, [3, 0, 9], compress)
    data = load_mnist(tmp_path, split)
    assert len(data) == 3 and data.inputs.dtype == np.float32 and data.classes.tolist() == [3, 0, 9]
    np.testing.assert_allclose(data.inputs[0], [-1.0, 1.0, -0.6, -0.2], rtol=1e-6)
    assert data.inputs.shape == (3, 4)


@pytest.mark.parametrize("images, labels, message", [
    (np.zeros((2, 2, 2)), [1, 2, 3], r"N images of h x w pixels and N labels, got shapes \(2, 2, 2\) and \(3,\)"),
    (np.zeros((2, 4)), [1, 2], "N images of h x w pixels"),
    (np.zeros((1, 2, 2)), [12], "labels go from 0 to 9, got 12"),
])
def test_bad_mnist_files(tmp_path, images, labels, message):
    _write_mnist(tmp_path, "train", images, labels)
    with pytest.raises(DataError, match=message):
        load_mnist(tmp_path)


def test_missing_mnist_files_and_splits(tmp_path):
    with pytest.raises(DataError, match="no train-images IDX file in .*train-images-idx3-ubyte"):
        load_mnist(tmp_path)
    with pytest.raises(DataError, match="splits are train and test, not 'valid'"):
        load_mnist(tmp_path, "valid")


def test_normalise_maps_zero_to_minus_one_and_the_maximum_to_one():
    assert normalise(np.array([[0, 8, 16]]), 16).tolist() == [[-1.0, 0.0, 1.0]]


def test_bilinear_scaling_with_aligned_pixel_centres():
    a, b = 2.0, 10.0
    scaled = scale_images(np.array([[[a, b], [a, b]]]), 4)
    assert scaled.shape == (1, 4, 4)
    np.testing.assert_allclose(scaled[0, 0], [a, 0.75 * a + 0.25 * b, 0.25 * a + 0.75 * b, b])
    np.testing.assert_allclose(scale_images(np.full((8, 8), 5.0), 28), np.full((28, 28), 5.0))


def test_the_digits_demo_is_mnist_shaped():
    pytest.importorskip("sklearn")
    train, test = load_digits("train"), load_digits("test")
    assert (len(train), len(test)) == (1500, 297)
    assert train.inputs.shape == (1500, 784) and train.inputs.dtype == np.float32
    assert train.inputs.min() == -1.0 and train.inputs.max() == 1.0
    assert set(train.classes.tolist()) == set(range(10))
    from sklearn.datasets import load_digits as sklearn_digits
    assert test.classes.tolist() == sklearn_digits().target[-297:].tolist()


def test_a_data_set_has_one_class_per_row():
    with pytest.raises(DataError, match=r"one class \(or one row of numbers\) per sample"):
        DataSet(np.zeros((3, 4)), np.zeros(2, int))


@pytest.mark.parametrize("inputs, message", [
    (np.zeros((2, 1, 4)), r"N x k rows, N x C x H x W images or N token indices: got inputs of shape \(2, 1, 4\)"),
    (np.zeros(2), r"1-D inputs are token indices and must be integers, got float64"),
])
def test_a_data_set_takes_rows_images_or_tokens(inputs, message):
    with pytest.raises(DataError, match=message):
        DataSet(inputs, np.zeros(2, int))
    assert DataSet(np.zeros((2, 1, 2, 2)), np.zeros(2, int)).inputs.shape == (2, 1, 2, 2)
    assert DataSet(np.array([3, 1]), np.zeros(2, int)).inputs.tolist() == [3, 1]


def test_rows_are_shaped_as_a_networks_images_channel_by_channel():
    rows = DataSet(np.arange(16.0).reshape(2, 8), np.zeros(2, int))
    images = rows.shaped((2, 2, 2))
    assert images.inputs.shape == (2, 2, 2, 2) and images.inputs[1, 1, 0, 1] == 13.0
    assert rows.shaped(None) is rows and images.shaped((2, 2, 2)) is images
    with pytest.raises(DataError, match=r"inputs of shape \(2, 8\) cannot be images of shape 1 x 3 x 3"):
        rows.shaped((1, 3, 3))


# MNIST's IDX format, on small files the tests write byte by byte

@pytest.mark.parametrize("code, dtype", [(0x08, np.uint8), (0x09, np.int8), (0x0B, np.int16), (0x0C, np.int32),
                                         (0x0D, np.float32), (0x0E, np.float64)])
@pytest.mark.parametrize("compress", [False, True], ids=["plain", "gzip"])
def test_every_type_reads_back(tmp_path, code, dtype, compress):
    array = (np.arange(2 * 3 * 4) * (-1 if code != 0x08 else 1)).reshape(2, 3, 4).astype(dtype)
    raw = idx_bytes(array, code)
    path = tmp_path / ("a.idx.gz" if compress else "a.idx")
    path.write_bytes(gzip.compress(raw) if compress else raw)
    value = read_idx(path)
    assert value.dtype == dtype and value.dtype.isnative and value.shape == (2, 3, 4)
    assert (value == array).all()


def test_a_labels_file(tmp_path):
    (tmp_path / "labels").write_bytes(b"\x00\x00\x08\x01\x00\x00\x00\x03\x07\x02\x01")
    assert read_idx(tmp_path / "labels").tolist() == [7, 2, 1]


@pytest.mark.parametrize("raw, message", [
    (b"\x01\x00\x08\x01\x00\x00\x00\x01\x05", "must start with two zero bytes"),
    (b"\x00\x00\x07\x01\x00\x00\x00\x01\x05", "unknown IDX type code 0x07"),
    (b"\x00\x00\x08\x02\x00\x00\x00\x01", "announces 2 dimensions but the file ends after 8 bytes"),
    (b"\x00\x00\x08\x01\x00\x00\x00\x03\x07\x02", "a 3 array of uint8 needs 11 bytes, the file has 10"),
    (b"\x00\x00\x0c\x01\x00\x00\x00\x01\x00\x00\x00\x00\x00", "a 1 array of int32 needs 12 bytes, the file has 13"),
    (b"\x1f\x8b\x08\x00garbage", "gzip stream is broken"),
    (b"\x00", "must start with two zero bytes"),
])
def test_broken_files_are_named(tmp_path, raw, message):
    path = tmp_path / "broken"
    path.write_bytes(raw)
    with pytest.raises(DataError, match=message):
        read_idx(path)


def test_a_missing_file(tmp_path):
    with pytest.raises(DataError, match="no IDX file at .*nothing"):
        read_idx(tmp_path / "nothing")
