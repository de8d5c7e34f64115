"""MNIST's IDX format, on small files the tests write byte by byte."""

import gzip
import struct

import numpy as np
import pytest

from symgrad.core.errors import DataError
from symgrad.matrix.idx import read_idx


def idx_bytes(array, code):
    """An IDX file's bytes, written from the format's description (independently of the reader)."""
    header = struct.pack(">BBBB", 0, 0, code, array.ndim) + struct.pack(f">{array.ndim}I", *array.shape)
    return header + array.astype(array.dtype.newbyteorder(">")).tobytes()


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
