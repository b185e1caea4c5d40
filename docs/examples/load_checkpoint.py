"""Load a Sprout checkpoint with numpy + scipy (no Sprout, no safetensors package) and evaluate it on MNIST.

Usage: python3 docs/examples/load_checkpoint.py runs/<name>/last.safetensors [MNIST_DIR]

A safetensors file is an 8-byte little-endian header length, a JSON header (name -> dtype, shape, byte offsets;
"__metadata__" holds Sprout's settings) and the raw little-endian tensor bytes. A CSR layer's weight is its nonzero
values with <layer>.weight.indptr / .indices / .shape, exactly scipy.sparse.csr_matrix's (data, indices, indptr).
A masked layer (snfs and other published masked methods) stores its dense weight plus the mask's indptr/indices.
"""
import gzip
import json
import struct
import sys

import numpy as np
import scipy.sparse as sp

DTYPES = {"F32": np.float32, "F64": np.float64, "I32": np.int32, "I64": np.int64}


def load_safetensors(path):
    with open(path, "rb") as f:
        (n,) = struct.unpack("<Q", f.read(8))
        header = json.loads(f.read(n))
        data = f.read()
    meta = header.pop("__metadata__", {})
    tensors = {}
    for name, t in header.items():
        start, end = t["data_offsets"]
        tensors[name] = np.frombuffer(data[start:end], dtype=DTYPES[t["dtype"]]).reshape(t["shape"])
    return tensors, meta


def weight(tensors, layer):
    """The layer's weight [out, in]: a scipy CSR matrix for sparse layers, a dense array otherwise."""
    w = tensors[f"{layer}.weight"]
    if f"{layer}.weight.indptr" not in tensors:
        return w
    indptr = tensors[f"{layer}.weight.indptr"]
    indices = tensors[f"{layer}.weight.indices"]
    shape = tuple(int(d) for d in tensors[f"{layer}.weight.shape"])
    if w.ndim == 2:  # masked layer: gather the dense weight at the mask's entries
        w = w[np.repeat(np.arange(shape[0]), np.diff(indptr)), indices]
    return sp.csr_matrix((w, indices, indptr), shape=shape)


def mnist_test(directory):
    with gzip.open(f"{directory}/t10k-images-idx3-ubyte.gz") as f:
        x = np.frombuffer(f.read(), np.uint8, offset=16).reshape(-1, 784).astype(np.float32) / 255
    with gzip.open(f"{directory}/t10k-labels-idx1-ubyte.gz") as f:
        y = np.frombuffer(f.read(), np.uint8, offset=8)
    return (x - 0.1307) / 0.3081, y  # Sprout's published MNIST normalization (--normalize published)


if __name__ == "__main__":
    tensors, meta = load_safetensors(sys.argv[1])
    layers = sorted({name.split(".")[0] for name in tensors if name.endswith(".weight")}, key=int)
    x, y = mnist_test(sys.argv[2] if len(sys.argv) > 2 else "data/mnist")
    h = x
    for i, layer in enumerate(layers):
        w = weight(tensors, layer)
        h = np.asarray((w @ h.T).T) + tensors[f"{layer}.bias"]  # y = x·Wᵀ + b
        if sp.issparse(w):
            print(f"layer {layer}: {w.shape[0]}x{w.shape[1]} csr, nnz {w.nnz}, density {w.nnz / (w.shape[0] * w.shape[1]):.4f}")
        if i < len(layers) - 1:
            h = np.maximum(h, 0)
    print(f"epoch {meta.get('sprout.epoch')}: test accuracy {100 * np.mean(h.argmax(1) == y):.2f}%")
