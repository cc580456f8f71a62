"""Scratch: P(sense = +1 | popcount) of the issue-17 chip (wip/17a-chip DesignPoint defaults:
half-size, hierarchical 64-row segments on an 8x global bit line, R = C = 64, RA 1300 Ohm um^2,
device variation, 0.2 uA sense offsets, toggle failures), read by HardwareLayer with real MNIST
training images as inputs and weights built so every column has a chosen XNOR popcount.
Run with the wt17a venv. Writes transfer.json for `mramcim train --hardware`."""
import json, sys, time
import numpy as np
from mramcim.experiments.design import DesignPoint, point_tech
from mramcim.array.layer import HardwareLayer, load_wide_toggle_map
from mramcim.tech import load_tech
from mramcim.learn.datasets import load_dataset

out, reps = sys.argv[1], int(sys.argv[2])
p = DesignPoint()
tech = point_tech(load_tech(), p)
data = load_dataset("mnist", "/work/shared/datasets/mnist-full")
rng = np.random.default_rng(0)
d, cols = 784, 64
ks = sorted(set([0, 200, 300, 340, 360, 370, 376, 380] + list(range(383, 402)) + [404, 408, 414, 424, 444, 484, 584, 784]))
hits = {k: 0 for k in ks}; n = {k: 0 for k in ks}
toggle = load_wide_toggle_map()
t0 = time.time()
for r in range(reps):
    x = data.x_train[rng.integers(data.y_train.size)]
    # one chip per repetition: columns carry popcounts cycling through ks
    kcol = np.array([ks[(i + r) % len(ks)] for i in range(cols)])
    w = np.empty((d, cols), dtype=np.int8)
    for c, k in enumerate(kcol):
        agree = np.zeros(d, dtype=bool); agree[rng.choice(d, k, replace=False)] = True
        w[:, c] = np.where(agree, x, -x)
    layer = HardwareLayer(tech, w, p.layer_mapping(), rng=np.random.default_rng([r, 1]), toggle_map=toggle)
    a = layer.read(x[None, :], rng=np.random.default_rng([r, 2])).activations[0]
    for c, k in enumerate(kcol):
        hits[k] += int(a[c] > 0); n[k] += 1
    if r == 0:
        print(f"one read: {time.time() - t0:.1f} s", flush=True)
pp = [hits[k] / n[k] for k in ks]
json.dump({"rows": d, "popcount": ks, "p_plus": pp, "scheme": "half", "samples_per_popcount": [n[k] for k in ks],
           "source": "wip/17a-chip 47d4590 DesignPoint() defaults via HardwareLayer.read; scratch/19/hil/chipcurve.py"},
          open(out, "w"), indent=1)
print(f"{reps} chips in {time.time() - t0:.0f} s")
for k, q in zip(ks, pp):
    print(k, round(q, 3), n[k])
