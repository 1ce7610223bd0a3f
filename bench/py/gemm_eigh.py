"""Times numpy and PyTorch on the same gemm / eigh sizes as bench/main.ts, single process, fixed threads.

Usage: /usr/bin/python3 bench/py/gemm_eigh.py THREADS '{"gemm":[128,256],"eigh":[256]}'
Prints one JSON object: {"numpy": {...}, "torch": {...}, "versions": {...}}. OPENBLAS_NUM_THREADS must be
set by the caller before this interpreter starts (it is read when the library loads).
"""
import json
import sys
import time

threads = int(sys.argv[1])
sizes = json.loads(sys.argv[2])
out = {"numpy": {"gemm_f64": {}, "gemm_f32": {}, "eigvalsh": {}, "eigh": {}},
       "torch": {"gemm_f64": {}, "gemm_f32": {}, "eigvalsh": {}, "eigh": {}}, "versions": {}}


def best_time(fn, min_total=0.3, max_reps=50):
    fn()  # warm-up
    times = []
    t_start = time.perf_counter()
    while len(times) < max_reps and (time.perf_counter() - t_start < min_total or len(times) < 3):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


try:
    import numpy as np
    out["versions"]["numpy"] = np.__version__
    rng = np.random.default_rng(0)
    for n in sizes.get("gemm", []):
        for dt, key in ((np.float64, "gemm_f64"), (np.float32, "gemm_f32")):
            a = rng.standard_normal((n, n)).astype(dt)
            b = rng.standard_normal((n, n)).astype(dt)
            c = np.empty((n, n), dtype=dt)
            t = best_time(lambda: np.matmul(a, b, out=c))
            out["numpy"][key][str(n)] = 2 * n ** 3 / t / 1e9
    for n in sizes.get("eigh", []):
        x = rng.standard_normal((n, n))
        s = (x + x.T) / 2
        out["numpy"]["eigvalsh"][str(n)] = best_time(lambda: np.linalg.eigvalsh(s), min_total=0.5, max_reps=5)
        out["numpy"]["eigh"][str(n)] = best_time(lambda: np.linalg.eigh(s), min_total=0.5, max_reps=5)
except ImportError as e:
    out["numpy"] = {"error": str(e)}

try:
    import torch
    torch.set_num_threads(threads)
    out["versions"]["torch"] = torch.__version__
    g = torch.Generator().manual_seed(0)
    for n in sizes.get("gemm", []):
        for dt, key in ((torch.float64, "gemm_f64"), (torch.float32, "gemm_f32")):
            a = torch.randn(n, n, generator=g, dtype=dt)
            b = torch.randn(n, n, generator=g, dtype=dt)
            c = torch.empty(n, n, dtype=dt)
            t = best_time(lambda: torch.matmul(a, b, out=c))
            out["torch"][key][str(n)] = 2 * n ** 3 / t / 1e9
    for n in sizes.get("eigh", []):
        x = torch.randn(n, n, generator=g, dtype=torch.float64)
        s = (x + x.T) / 2
        out["torch"]["eigvalsh"][str(n)] = best_time(lambda: torch.linalg.eigvalsh(s), min_total=0.5, max_reps=5)
        out["torch"]["eigh"][str(n)] = best_time(lambda: torch.linalg.eigh(s), min_total=0.5, max_reps=5)
except ImportError as e:
    out["torch"] = {"error": str(e)}

print(json.dumps(out))
