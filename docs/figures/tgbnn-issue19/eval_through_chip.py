"""Scratch: test accuracy of ideally trained TGBNN weights read through the issue-17 chip's
transfer characteristic (inference only), 5 draws of the stochastic reads."""
import sys
import numpy as np
from mramcim.encoding import TransferCurve
from mramcim.learn.datasets import load_dataset
curve = TransferCurve.from_file("/work/scratch/19/hil/transfer_chip17.json")
data = load_dataset("mnist", "/work/shared/datasets/mnist-full")
x = data.x_test.astype(np.float32)
for path in sys.argv[1:]:
    w = np.load(path)
    w1, w2 = w["w1"].astype(np.float32), w["w2"].astype(np.float32)
    z1 = x @ w1
    ideal = np.mean(np.argmax(np.where(z1 >= 0, 1, -1).astype(np.float32) @ w2, axis=1) == data.y_test)
    accs = [np.mean(np.argmax(curve.activate(z1, np.random.default_rng([s, 1])) @ w2, axis=1) == data.y_test) for s in range(5)]
    print(f"{path}: ideal read {ideal:.4f}, through the chip {np.mean(accs):.4f} +- {np.std(accs):.4f} (5 read draws)")
