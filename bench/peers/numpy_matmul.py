"""numpy/OpenBLAS peer of the benchmark harness: f32 matmul on one thread, timed like the other peers.
The harness sets OPENBLAS_CORETYPE=SkylakeX (Debian's OpenBLAS mis-detects this CPU otherwise, see
DESIGN.md) and OPENBLAS_NUM_THREADS=1; threadpoolctl reports which kernel and how many threads ran.
Usage: python3 numpy_matmul.py '<tasks json>'  (prints one @@RESULT line per task, then @@INFO)."""
import json
import math
import os
import sys
import time

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
import numpy as np  # noqa: E402


def hash_uniform(count, stream, scale=1.0):
    # Same generator as workloads/inputs.ts, vectorised in uint32 arithmetic.
    i = np.arange(count, dtype=np.uint32)
    h = i ^ np.uint32((stream * 0x9E3779B1) & 0xFFFFFFFF)
    h ^= h >> np.uint32(16)
    h *= np.uint32(0x85EBCA6B)
    h ^= h >> np.uint32(13)
    h *= np.uint32(0xC2B2AE35)
    h ^= h >> np.uint32(16)
    return (h.astype(np.float64) * 2.0**-31 - 1.0).astype(np.float32) * np.float32(scale)


def checksum(c):
    flat = c.reshape(-1)
    return [float(np.abs(flat.astype(np.float64)).sum()), float(flat[0]), float(flat[1]), float(flat[flat.size >> 1]), float(flat[-1])]


def time_calls(call, reps, min_rep_seconds):
    t0 = time.perf_counter()
    call()
    first = time.perf_counter() - t0
    t0 = time.perf_counter()
    call()
    probe = time.perf_counter() - t0
    calls = max(1, min(100000, math.ceil(min_rep_seconds / max(probe, 1e-7))))
    if probe > 0.5:
        reps = min(reps, 5)
    seconds = []
    for _ in range(reps):
        t0 = time.perf_counter()
        for _ in range(calls):
            call()
        seconds.append((time.perf_counter() - t0) / calls)
    return first, calls, seconds


def blas_info():
    try:
        from threadpoolctl import threadpool_info
    except ImportError as e:
        return {"threadpoolctl": f"unavailable ({e})"}
    pools = [p for p in threadpool_info() if p.get("user_api") == "blas"]
    if not pools:
        return {"threadpoolctl": "no BLAS pool found"}
    p = pools[0]
    return {"blas": f"{p.get('internal_api')} {p.get('version')}", "blas kernel (threadpoolctl)": str(p.get("architecture")), "blas threads": str(p.get("num_threads"))}


def main():
    tasks = json.loads(sys.argv[1]) if len(sys.argv) > 1 else []
    info = {"numpy": np.__version__, "OPENBLAS_CORETYPE": os.environ.get("OPENBLAS_CORETYPE", "(unset)"), **blas_info()}
    for task in tasks:
        base = {"peer": "numpy", "workload": task["workload"], "size": task["size"], "seconds": [], "callsPerRep": 0, "checksum": [], "firstCallSeconds": float("nan")}
        if task["workload"] != "matmul":
            print("@@RESULT " + json.dumps({**base, "error": "numpy is a peer of matmul only"}), flush=True)
            continue
        n = task["size"]
        a = hash_uniform(n * n, 2).reshape(n, n)
        b = hash_uniform(n * n, 3).reshape(n, n)
        out = np.empty((n, n), dtype=np.float32)
        first, calls, seconds = time_calls(lambda: np.matmul(a, b, out=out), task["reps"], task["minRepSeconds"])
        note = f"threads={info.get('blas threads', '?')}, kernel={info.get('blas kernel (threadpoolctl)', '?')}"
        print("@@RESULT " + json.dumps({**base, "seconds": seconds, "callsPerRep": calls, "firstCallSeconds": first, "checksum": checksum(out), "note": note}), flush=True)
    print("@@INFO " + json.dumps(info), flush=True)


main()
