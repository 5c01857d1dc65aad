"""Real-data cross-checks of the benchmark layer (Spearman between sources; exact latency values)."""

import sys

import numpy as np
import pandas as pd
from scipy.stats import spearmanr

import benchmarks
from nas_core import spaces

D = sys.argv[1] if len(sys.argv) > 1 else "../shared/data"
sp = spaces.get("nb201")
ana = benchmarks.load("analognas")
raw = pd.read_csv(f"{D}/nb201-tables/nb201_200ep_test_time_zc.csv")
archs = [sp.parse(s) for s in raw["arch_str"]]
a, t = ana.query(archs, "baseline_accuracy"), raw["cifar10_test_acc_200ep"].to_numpy()
keep = t > 10.5  # drop the cells whose output is disconnected (score 10%)
print(
    f"analognas baseline vs 200ep CIFAR-10 test, all {len(a)}: {spearmanr(a, t)[0]:.4f}; "
    f"without {np.sum(~keep)} untrainable: {spearmanr(a[keep], t[keep])[0]:.4f}"
)
zc = benchmarks.load("suite-zero", path=f"{D}/naslib-zc/zc_nasbench201.json")
z = zc.archs("cifar10")
x, y = ana.query(z, "baseline_accuracy"), zc.query(z, "val_accuracy")
k = y > 10.5
print(
    f"analognas baseline vs suite-zero val_accuracy, {len(z)} CIFAR-10 archs: "
    f"{spearmanr(x, y)[0]:.4f}; without {np.sum(~k)} untrainable: {spearmanr(x[k], y[k])[0]:.4f}"
)
j = benchmarks.join(
    benchmarks.load(
        "table", path=f"{D}/nb201-tables/nb201_200ep_test_time_zc.csv", preset="nb201-200ep"
    ),
    benchmarks.load(
        "table", path=f"{D}/nb201-tables/nb201_12ep_test_valid.csv", preset="nb201-12ep"
    ),
)
al = sp.all_archs()
print(
    f"12-epoch vs 200-epoch CIFAR-10 test acc via the joined tables, 15625 cells: "
    f"{spearmanr(j.query(al, 'test_acc', 'cifar10', epoch=12), j.query(al, 'test_acc', 'cifar10', epoch=200))[0]:.4f}"
)
lat = benchmarks.load(
    "table", path=f"{D}/nb201-latency/nb201_latency_ms_27_devices.csv", preset="nb201-latency"
)
rl = pd.read_csv(f"{D}/nb201-latency/nb201_latency_ms_27_devices.csv")
la = [sp.parse(s) for s in rl["arch_str"]]
devs = [c for c in rl.columns if c not in ("arch_index", "arch_str")]
eq = all(np.array_equal(lat.query(la, f"latency_{d}"), rl[d].to_numpy(np.float32)) for d in devs)
print(f"latency table: {len(devs)} device columns; every value equals the CSV's as float32: {eq}")
