"""The IDX file format that MNIST comes in: a 4-byte magic number (two zero bytes, a type code, the
number of dimensions), each dimension as a big-endian 32-bit integer, then the values, big-endian,
row-major. Files may be gzipped (``.gz``)."""

import gzip
from pathlib import Path

import numpy as np

from ..core.errors import DataError

__all__ = ["read_idx"]

TYPES = {0x08: ">u1", 0x09: ">i1", 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}


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
    if code not in TYPES:
        raise DataError(f"{path}: unknown IDX type code 0x{code:02X} (known: "
                        f"{', '.join(f'0x{c:02X}' for c in TYPES)})")
    header = 4 + 4 * ndim
    if len(raw) < header:
        raise DataError(f"{path}: the header announces {ndim} dimensions but the file ends after {len(raw)} bytes")
    shape = tuple(int(d) for d in np.frombuffer(raw, ">u4", ndim, 4))
    dtype = np.dtype(TYPES[code])
    expected = header + int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
    if len(raw) != expected:
        raise DataError(f"{path}: a {' x '.join(map(str, shape))} array of {dtype.name} needs {expected} bytes, "
                        f"the file has {len(raw)}")
    return np.frombuffer(raw, dtype, offset=header).reshape(shape).astype(dtype.newbyteorder("="))
