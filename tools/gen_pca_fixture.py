"""Generate tests/fixtures/pca.safetensors: PCA computed by numpy, for tests/models/test_pca.cpp.

Run from the repository root:   /usr/bin/python3 tools/gen_pca_fixture.py

Cases (tensors "<case>.<name>", F32):
  wide    data [20, 6]: points near a 2-D plane in 6-D plus noise, k = 3
  few     data [5, 50]: fewer points than dimensions (the tour's five words), k = 2
For each: data, mean [D], components [k, D], explained_variance [k], explained_variance_ratio [k],
projected [N, k]. numpy's eigh on the covariance (denominator N - 1), in float64 from the float32 data;
each component's sign is chosen so that its largest-magnitude entry is positive (models/pca.hpp's rule).
Deterministic: a fixed numpy seed per case; running it twice gives byte-identical files.
"""
import json
from pathlib import Path

import numpy as np

from safetensors_np import save_file

OUT = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "pca.safetensors"


def pca(data, k):
    x = data.astype(np.float64)
    mean = x.mean(axis=0)
    xc = x - mean
    cov = xc.T @ xc / (x.shape[0] - 1)
    values, vectors = np.linalg.eigh(cov)  # ascending
    order = np.argsort(values)[::-1][:k]
    components = vectors[:, order].T  # [k, D]
    for c in components:
        if c[np.argmax(np.abs(c))] < 0:
            c *= -1
    variance = np.maximum(values[order], 0)
    ratio = variance / np.trace(cov)
    return {"mean": mean, "components": components, "explained_variance": variance,
            "explained_variance_ratio": ratio, "projected": xc @ components.T}


def main():
    tensors, config = {}, {}
    rng = np.random.default_rng(8)
    basis = rng.normal(size=(2, 6))
    wide = (rng.normal(size=(20, 2)) * [3.0, 1.5]) @ basis + 0.1 * rng.normal(size=(20, 6)) + 2.0
    few = np.random.default_rng(9).normal(size=(5, 50))
    for name, data, k in [("wide", wide, 3), ("few", few, 2)]:
        data = data.astype(np.float32)
        tensors[f"{name}.data"] = data
        for key, value in pca(data, k).items():
            tensors[f"{name}.{key}"] = np.asarray(value, dtype=np.float32)
        config[name] = {"n_components": k}
    save_file(tensors, OUT, metadata={"config": json.dumps(config, sort_keys=True)})
    print(f"wrote {OUT} ({OUT.stat().st_size} bytes)")


if __name__ == "__main__":
    main()
