"""PyTorch / numpy side of the `ntk` benchmark (bench/suites/ntk.ts): the same network, parameters and
inputs as the TypeScript side (read from raw float64 files it writes), timed in the same run with the same
thread count.

Usage: /usr/bin/python3 bench/py/ntk.py THREADS '<json>' with json one of
  {"mode": "empirical", "path": "contraction" | "perlayer", "theta": FILE, "x": FILE, "n": N, "d": D,
   "layers": [{"out": O, "in": I, "w_off": o, "b_off": o | null, "cw": c, "cb": c}, ...], "reps": R,
   "warmup": bool, "probe": [[i, j], ...]}
  {"mode": "analytic", "x": FILE, "n": N, "d": D, "hidden": L, "sigma_w": s, "sigma_b": s, "reps": R,
   "probe": [[i, j], ...]}
Prints one JSON object: seconds (best of R), the probed kernel entries, the Frobenius norm, peak_rss_bytes
(growth of the resident set during the timed calls over the RSS before them, see measure_memory), j_bytes (8·n·P, the
Jacobian the contraction materializes) and versions. OPENBLAS_NUM_THREADS / OMP_NUM_THREADS are set by the
caller before this interpreter starts; torch.set_num_threads(THREADS) is called before any work.

Empirical NTK of the MLP h_l = c_w W_l a_{l-1} + c_b b_l (relu between layers, scalar readout):
  contraction  J = vmap(jacrev(f)) (functorch in torch 1.13, torch.func when present), Θ = Σ_p J_p J_pᵀ
               over the parameter tensors (the J·Jᵀ "jacobian contraction" of neural-tangents);
  perlayer     Θ = Σ_l (c_w² A_{l-1}A_{l-1}ᵀ + c_b²) ∘ (δ_l δ_lᵀ), δ_l = ∂f/∂h_l by one backward pass
               (the structured formula; Jacot et al. 2018, Novak et al. 2022).
Analytic kernel: the neural-tangents stax recursion of src/nn/ntk/analytic.ts (THEORY.md §6.2) in numpy.
"""
import contextlib
import json
import os
import resource
import sys
import threading
import time

threads = int(sys.argv[1])
args = json.loads(sys.argv[2])


def best_time(fn, reps, warmup):
    if warmup:
        fn()
    times = []
    result = None
    for _ in range(max(1, reps)):
        t0 = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t0)
    return min(times), result


def current_rss():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def peak_rss():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # KiB on Linux


def measure_memory(fn):
    """Run fn; return (its result, growth of the resident set in bytes over the RSS before the call).

    The growth is the larger of a 1 ms sampler thread's peak (torch releases the GIL inside its kernels) and
    the kernel's high-water mark (getrusage ru_maxrss) above its value before the call — the latter alone
    was seen to miss multi-GB peaks on a loaded machine.
    """
    base = current_rss()
    hw_before = peak_rss()
    peak = [base]
    done = threading.Event()

    def sample():
        while not done.wait(0.001):
            peak[0] = max(peak[0], current_rss())

    t = threading.Thread(target=sample, daemon=True)
    t.start()
    try:
        result = fn()
    finally:
        done.set()
        t.join()
    grown = max(peak[0] - base, peak_rss() - max(hw_before, base), 0)
    return result, grown


def load(path, shape):
    import numpy as np
    a = np.fromfile(path, dtype="<f8")
    return a.reshape(shape)


def empirical():
    import numpy as np
    import torch
    torch.set_num_threads(threads)
    try:
        from torch.func import jacrev, vmap  # torch ≥ 2.0
        api = "torch.func"
    except ImportError:
        from functorch import jacrev, vmap  # ships with torch 1.13
        api = "functorch"
    n, d = args["n"], args["d"]
    theta = torch.from_numpy(load(args["theta"], (-1,)))
    X = torch.from_numpy(load(args["x"], (n, d)))
    layers = args["layers"]
    params = []
    for l in layers:
        W = theta[l["w_off"]:l["w_off"] + l["out"] * l["in"]].reshape(l["out"], l["in"]).clone()
        b = theta[l["b_off"]:l["b_off"] + l["out"]].clone() if l["b_off"] is not None else torch.zeros(l["out"], dtype=torch.float64)
        params += [W, b]
    params = tuple(params)
    P = sum(l["out"] * l["in"] + (l["out"] if l["b_off"] is not None else 0) for l in layers)
    cw = [l["cw"] for l in layers]
    cb = [l["cb"] if l["b_off"] is not None else 0.0 for l in layers]
    L = len(layers)

    def f(ps, x):  # one sample x: [d] → scalar
        h = x
        for i in range(L):
            h = cw[i] * (ps[2 * i] @ h) + cb[i] * ps[2 * i + 1]
            if i < L - 1:
                h = torch.relu(h)
        return h[0]

    def contraction():
        jac = vmap(jacrev(f), in_dims=(None, 0))(params, X)
        K = torch.zeros(n, n, dtype=torch.float64)
        for i, j in enumerate(jac):
            if layers[i // 2]["b_off"] is None and i % 2 == 1:
                continue
            jm = j.reshape(n, -1)
            K.addmm_(jm, jm.T)
        return K

    def perlayer():
        acts = [X]
        masks = []
        h = X
        for i in range(L):
            z = torch.addmm(params[2 * i + 1], h, params[2 * i].T, beta=cb[i], alpha=cw[i])
            if i < L - 1:
                masks.append(z > 0)
                h = torch.relu(z)
                acts.append(h)
        delta = torch.ones(n, 1, dtype=torch.float64)  # ∂f/∂h_L for the scalar readout
        K = torch.zeros(n, n, dtype=torch.float64)
        for i in reversed(range(L)):
            A = acts[i]
            K.add_((cw[i] ** 2 * (A @ A.T) + cb[i] ** 2) * (delta @ delta.T))
            if i > 0:
                delta = (cw[i] * (delta @ params[2 * i])) * masks[i - 1]
        return K

    fn = contraction if args["path"] == "contraction" else perlayer
    with torch.no_grad() if fn is perlayer else contextlib.nullcontext():
        (seconds, K), grown = measure_memory(lambda: best_time(fn, args["reps"], args["warmup"]))
    Kn = K.numpy()
    return {
        "seconds": seconds,
        "entries": [float(Kn[i, j]) for i, j in args["probe"]],
        "fro": float(np.linalg.norm(Kn)),
        "peak_rss_bytes": grown,
        "j_bytes": 8 * n * P,
        "api": api,
        "versions": {"torch": torch.__version__, "numpy": np.__version__},
    }


def analytic():
    import numpy as np
    n, d, L = args["n"], args["d"], args["hidden"]
    w2, b2 = args["sigma_w"] ** 2, args["sigma_b"] ** 2
    X = load(args["x"], (n, d))

    def recursion():
        sigma = X @ X.T / d  # neural-tangents _inputs_to_kernel: x·x′/d, Θ = 0
        ntk = np.zeros_like(sigma)
        for layer in range(L + 1):
            sigma = w2 * sigma + b2  # Dense (ntk): Σ ← σ_w²Σ + σ_b², Θ ← Σ + σ_w²Θ
            ntk = sigma + w2 * ntk
            if layer == L:
                break
            q = np.diag(sigma).copy()  # Relu = ABRelu(0, 1)
            s = np.sqrt(np.maximum(np.outer(q, q) - sigma * sigma, 0.0))
            theta = np.arctan2(s, sigma)
            dot = (np.pi - theta) / (2 * np.pi)
            sigma = s / (2 * np.pi) + dot * sigma
            ntk = ntk * dot
        return ntk

    (seconds, K), grown = measure_memory(lambda: best_time(recursion, args["reps"], True))
    return {
        "seconds": seconds,
        "entries": [float(K[i, j]) for i, j in args["probe"]],
        "fro": float(np.linalg.norm(K)),
        "peak_rss_bytes": grown,
        "versions": {"numpy": np.__version__},
    }


try:
    out = empirical() if args["mode"] == "empirical" else analytic()
except ImportError as e:
    out = {"error": f"import failed: {e}"}
print(json.dumps(out))
