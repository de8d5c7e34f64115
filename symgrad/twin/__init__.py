"""PyTorch as the oracle: the torch twin of a graph and of a training run, the comparison metric and
its tolerances, and the checks the engine runs on itself before anything is written."""
