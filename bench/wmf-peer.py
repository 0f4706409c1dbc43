"""Peer side of `npm run bench -- wmf --peer PYTHONPATH`: times Python `implicit`'s CPU ALS (conjugate
gradient or exact) on the matrix, confidences and initial factors that bench/wmf.ts wrote, so that both
implementations solve the identical problem from the identical start.

Run by bench/wmf-peer.ts as  python3 wmf-peer.py DIR USERS ITEMS FACTORS ITERATIONS THREADS LAMBDA SOLVER CG_STEPS
with PYTHONPATH pointing at an implicit checkout (its compiled extensions in place). DIR holds
indptr.npy, indices.npy ('<i4'), confidence.npy ('<f4': c = 1 + alpha log1p(r / eps), already the
confidence, so implicit's own alpha stays 1), user_factors0.npy and item_factors0.npy ('<f4', the
factors earshot starts from). Writes DIR/user_factors.npy and DIR/item_factors.npy (the trained
factors) and prints one JSON line on stdout: seconds per iteration (fit_callback: user + item solve)
and process CPU seconds per iteration (the first also holds fit()'s transpose),
implicit's own training loss and its denominator, the BLAS/OpenMP pools threadpoolctl sees.
"""
import json
import sys
import time

import numpy as np
import scipy.sparse
import threadpoolctl

import implicit
from implicit.cpu import _als
from implicit.cpu.als import AlternatingLeastSquares


def main(argv):
    if len(argv) != 10:
        sys.stderr.write(__doc__)
        return 2
    work = argv[1]
    users, items, factors, iterations, threads = (int(v) for v in argv[2:7])
    regularization = float(argv[7])
    solver = argv[8]  # 'cg' (conjugate gradient) or 'exact' (implicit's Cholesky solve)
    cg_steps = int(argv[9])

    def load(name):
        return np.load(f"{work}/{name}.npy")

    cui = scipy.sparse.csr_matrix(
        (load("confidence"), load("indices"), load("indptr")), shape=(users, items)
    )
    model = AlternatingLeastSquares(
        factors=factors,
        regularization=regularization,
        alpha=1.0,
        dtype=np.float32,
        use_native=True,
        use_cg=solver == "cg",
        iterations=iterations,
        calculate_training_loss=False,  # it would be timed inside the iteration
        num_threads=threads,
        random_state=0,
    )
    model.cg_steps = cg_steps
    # fit() starts from factors already set instead of drawing its own.
    model.user_factors = load("user_factors0").reshape(users, factors)
    model.item_factors = load("item_factors0").reshape(items, factors)
    seconds = []
    cpu_marks = [time.process_time()]  # process CPU seconds, all threads

    def on_iteration(iteration, elapsed, loss):
        seconds.append(elapsed)
        cpu_marks.append(time.process_time())

    model.fit_callback = on_iteration
    t0 = time.time()
    model.fit(cui, show_progress=False)
    fit_s = time.time() - t0

    np.save(f"{work}/user_factors.npy", np.ascontiguousarray(model.user_factors, dtype=np.float32))
    np.save(f"{work}/item_factors.npy", np.ascontiguousarray(model.item_factors, dtype=np.float32))
    # implicit's loss is the objective divided by (sum of confidences + unobserved pairs).
    loss = _als.calculate_loss(cui, model.user_factors, model.item_factors, regularization, num_threads=threads)
    denominator = float(cui.data.astype(np.float64).sum()) + users * items - cui.nnz
    print(
        json.dumps(
            {
                "implicit_version": implicit.__version__,
                "implicit_path": implicit.__file__,
                "numpy_version": np.__version__,
                "scipy_version": scipy.__version__,
                "python": sys.version.split()[0],
                "iterations_s": seconds,
                "iterations_cpu_s": [b - a for a, b in zip(cpu_marks, cpu_marks[1:])],
                "fit_s": fit_s,
                "loss_normalized": float(loss),
                "loss_denominator": denominator,
                "threadpools": [
                    {k: p.get(k) for k in ("internal_api", "version", "architecture", "num_threads", "threading_layer", "filepath")}
                    for p in threadpoolctl.threadpool_info()
                ],
            }
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
