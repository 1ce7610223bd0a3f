"""PyTorch side of the `train` benchmark (bench/suites/train.ts): full-batch gradient descent on the same
MLP, parameters and data as the TypeScript side (raw float64 files it writes), timed in the same run with
the same thread count.

Usage: /usr/bin/python3 bench/py/train.py THREADS '<json>' with json
  {"theta": FILE, "x": FILE, "y": FILE, "n": N, "sizes": [d, n1, ..., k], "lr": eta, "steps": S,
   "reps": R, "mode": "manual" | "optim", "floor_reps": F (optional)}
The network is nn.Sequential(Linear, ReLU, ..., Linear) in float64 (standard parametrization, PyTorch
nn.Linear layout, θ = for each layer W row-major then b, as overparam stores it). One step is
  out = net(X); L = ½ Σ (out − y)²; L.backward(); θ ← θ − η ∇L  (manual: p.sub_(η·p.grad) under no_grad,
  grads set to None; optim: torch.optim.SGD(lr=η) with zero_grad(set_to_none=True)),
the same update and loss convention as overparam's gd (DESIGN.md). Prints one JSON object: seconds (best wall time of
R runs of S steps, after a 2-step warm-up on a copy), steps_per_second, cpu_seconds / cpu_steps_per_second
(the same from the process CPU time, less sensitive to other processes on the machine), step_seconds (the
duration of every step of every run but the first two of each), with floor_reps floor_seconds (best of F runs of one
step's matrix products alone, see gemm_floor); loss_final (the loss at θ_S,
evaluated after the last step, for the agreement check) and versions. torch.set_num_threads(THREADS) is
called before any work; OPENBLAS_NUM_THREADS / OMP_NUM_THREADS are set by the caller.
"""
import json
import sys
import time

threads = int(sys.argv[1])
args = json.loads(sys.argv[2])

import numpy as np  # noqa: E402
import torch  # noqa: E402

torch.set_num_threads(threads)
torch.set_num_interop_threads(1)


def build(theta):
    sizes = args["sizes"]
    layers = []
    off = 0
    for i in range(len(sizes) - 1):
        lin = torch.nn.Linear(sizes[i], sizes[i + 1], dtype=torch.float64)
        w = sizes[i] * sizes[i + 1]
        with torch.no_grad():
            lin.weight.copy_(torch.from_numpy(theta[off : off + w].reshape(sizes[i + 1], sizes[i])))
            off += w
            lin.bias.copy_(torch.from_numpy(theta[off : off + sizes[i + 1]]))
            off += sizes[i + 1]
        layers.append(lin)
        if i < len(sizes) - 2:
            layers.append(torch.nn.ReLU())
    assert off == theta.size, f"theta has {theta.size} entries, the network {off}"
    return torch.nn.Sequential(*layers)


def main():
    sizes = args["sizes"]
    n = args["n"]
    theta = np.fromfile(args["theta"], dtype="<f8")
    X = torch.from_numpy(np.fromfile(args["x"], dtype="<f8").reshape(n, sizes[0]))
    y = torch.from_numpy(np.fromfile(args["y"], dtype="<f8").reshape(n, sizes[-1]))
    lr = args["lr"]
    steps = args["steps"]
    mode = args.get("mode", "manual")

    def run(net, count, laps=None):
        params = list(net.parameters())
        opt = torch.optim.SGD(params, lr=lr) if mode == "optim" else None
        for _ in range(count):
            t_step = time.perf_counter()
            out = net(X)
            loss = 0.5 * ((out - y) ** 2).sum()
            if opt is not None:
                opt.zero_grad(set_to_none=True)
                loss.backward()
                opt.step()
            else:
                for p in params:
                    p.grad = None
                loss.backward()
                with torch.no_grad():
                    for p in params:
                        p.sub_(lr * p.grad)
            if laps is not None:
                laps.append(time.perf_counter() - t_step)

    def gemm_floor(reps):
        """Best seconds of the step's matrix products alone (torch.addmm / torch.mm into preallocated
        outputs): per layer (I→O) the forward addmm, the weight gradient GᵀX and, below the readout's input
        layer, the input gradient G·W — the BLAS calls every framework makes, whatever its overhead."""
        L = len(sizes) - 1
        ws = [torch.randn(sizes[i + 1], sizes[i], dtype=torch.float64) for i in range(L)]
        bs = [torch.randn(sizes[i + 1], dtype=torch.float64) for i in range(L)]
        zs = [torch.empty(n, sizes[i + 1], dtype=torch.float64) for i in range(L)]
        gs = [torch.randn(n, sizes[i + 1], dtype=torch.float64) for i in range(L)]
        dws = [torch.empty_like(w) for w in ws]
        dxs = [torch.empty(n, sizes[i], dtype=torch.float64) for i in range(L)]

        def once():
            h = X
            for i in range(L):
                torch.addmm(bs[i], h, ws[i].t(), out=zs[i])
                h = zs[i]
            for i in reversed(range(L)):
                torch.mm(gs[i].t(), X if i == 0 else zs[i - 1], out=dws[i])
                if i > 0:
                    torch.mm(gs[i], ws[i], out=dxs[i])

        once()
        best_floor = float("inf")
        for _ in range(reps):
            t0 = time.perf_counter()
            once()
            best_floor = min(best_floor, time.perf_counter() - t0)
        return best_floor

    run(build(theta), 2)  # warm-up (allocator, kernels)
    best = float("inf")
    best_cpu = float("inf")
    laps = []
    net = None
    for _ in range(max(1, args.get("reps", 1))):
        net = build(theta)
        c0 = time.process_time()
        t0 = time.perf_counter()
        run_laps = []
        run(net, steps, run_laps)
        best = min(best, time.perf_counter() - t0)
        best_cpu = min(best_cpu, time.process_time() - c0)
        laps += run_laps[2:]  # steps 0 and 1 of a fresh net (first allocations) left out
    with torch.no_grad():
        loss_final = float(0.5 * ((net(X) - y) ** 2).sum())
    out = {"seconds": best, "cpu_seconds": best_cpu, "steps": steps, "steps_per_second": steps / best, "cpu_steps_per_second": steps / best_cpu, "step_seconds": laps, "loss_final": loss_final, "mode": mode, "torch": torch.__version__, "threads": torch.get_num_threads()}
    if args.get("floor_reps"):
        out["floor_seconds"] = gemm_floor(args["floor_reps"])
    print(json.dumps(out))


main()
