import gzip

import numpy as np
import pytest

from symgrad.core.errors import DataError
from symgrad.matrix.data import DataSet, load_digits, load_mnist, normalise, scale_images

from test_matrix_idx import idx_bytes


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
    with pytest.raises(DataError, match="one class per row"):
        DataSet(np.zeros((3, 4)), np.zeros(2, int))
