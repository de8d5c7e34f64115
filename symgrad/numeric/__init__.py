"""Numbers from derivatives: compilation to NumPy, stable kernels, finite differences, optimizers,
schedules, training loops and checkpoints. Built on :mod:`symgrad.core` alone."""
