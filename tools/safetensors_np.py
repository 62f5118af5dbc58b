"""A tiny safetensors reader and writer using numpy only (development-time helper).

The format:
    8 bytes        little-endian u64 N, the header length
    N bytes        JSON header, padded with spaces to a multiple of 8:
                   {"<name>": {"dtype": "F32", "shape": [2, 3], "data_offsets": [begin, end]},
                    "__metadata__": {"<key>": "<string value>"}}
    the rest       raw little-endian tensor data; offsets count from the end of the header.

Tensors are written in sorted-name order, each right after the previous one.
"""
import json
import struct

import numpy as np

# safetensors dtype name <-> numpy dtype (all little-endian). BF16 has no numpy type: it is
# read as raw uint16, and a uint16 array is written as BF16.
DTYPES = {
    "F64": np.dtype("<f8"),
    "F32": np.dtype("<f4"),
    "F16": np.dtype("<f2"),
    "I64": np.dtype("<i8"),
    "I32": np.dtype("<i4"),
    "I8": np.dtype("i1"),
    "U8": np.dtype("u1"),
    "BOOL": np.dtype("?"),
    "BF16": np.dtype("<u2"),
}
DTYPE_NAMES = {dtype: name for name, dtype in DTYPES.items()}


def save_file(tensors, path, metadata=None):
    """Write {name: numpy array} to path; metadata is an optional {str: str}."""
    header = {}
    if metadata:
        header["__metadata__"] = {str(k): str(v) for k, v in metadata.items()}
    blobs = []
    offset = 0
    for name in sorted(tensors):
        array = np.asarray(tensors[name])
        dtype = array.dtype.newbyteorder("<")
        if dtype not in DTYPE_NAMES:
            raise ValueError(f"save_file: tensor '{name}' has unsupported dtype {array.dtype}")
        blob = np.ascontiguousarray(array, dtype=dtype).tobytes()
        header[name] = {"dtype": DTYPE_NAMES[dtype], "shape": list(array.shape),
                        "data_offsets": [offset, offset + len(blob)]}
        blobs.append(blob)
        offset += len(blob)
    header_bytes = json.dumps(header, sort_keys=True, separators=(",", ":")).encode("utf-8")
    header_bytes += b" " * (-len(header_bytes) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(header_bytes)))
        f.write(header_bytes)
        for blob in blobs:
            f.write(blob)


def load_file(path):
    """Read path; returns ({name: numpy array}, {str: str} metadata)."""
    with open(path, "rb") as f:
        data = f.read()
    if len(data) < 8:
        raise ValueError(f"{path}: file is {len(data)} bytes, expected at least 8")
    (header_len,) = struct.unpack("<Q", data[:8])
    if 8 + header_len > len(data):
        raise ValueError(f"{path}: header length {header_len} runs past the end of the file")
    header = json.loads(data[8:8 + header_len].decode("utf-8"))
    body = data[8 + header_len:]
    metadata = header.pop("__metadata__", {}) or {}
    tensors = {}
    for name, info in header.items():
        dtype = DTYPES.get(info["dtype"])
        if dtype is None:
            raise ValueError(f"{path}: tensor '{name}' has unsupported dtype {info['dtype']}")
        begin, end = info["data_offsets"]
        shape = tuple(info["shape"])
        expected = int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
        if not 0 <= begin <= end <= len(body) or end - begin != expected:
            raise ValueError(f"{path}: tensor '{name}' has data_offsets [{begin}, {end}], "
                             f"expected {expected} bytes inside a {len(body)}-byte body")
        tensors[name] = np.frombuffer(body[begin:end], dtype=dtype).reshape(shape).copy()
    return tensors, metadata
