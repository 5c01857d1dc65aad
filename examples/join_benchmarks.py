"""Join AnalogNAS-Bench (embedded) with NAS-Bench-201 tables, per-device latencies and
NAS-Bench-Suite-Zero into one benchmark over the NAS-Bench-201 space; each metric is answered by
the part that holds it.

Needs the real data beside the project: python examples/join_benchmarks.py [DATA_DIR]
(default: $NASLAB_SHARED_DATA, else ../shared/data relative to the repository). See
docs/benchmarks.md.
"""

import os
import sys
from pathlib import Path

import benchmarks

REPO = Path(__file__).resolve().parents[1]
data = Path(
    sys.argv[1]
    if len(sys.argv) > 1
    else os.environ.get("NASLAB_SHARED_DATA", REPO.parent / "shared" / "data")
)
FILES = {
    "latency": data / "nb201-latency" / "nb201_latency_ms_27_devices.csv",
    "200ep": data / "nb201-tables" / "nb201_200ep_test_time_zc.csv",
    "12ep": data / "nb201-tables" / "nb201_12ep_test_valid.csv",
    "suite-zero": data / "naslib-zc" / "zc_nasbench201.json",
}
missing = [str(p) for p in FILES.values() if not p.is_file()]
if missing:
    sys.exit(
        f"join_benchmarks: data not found: {', '.join(missing)}. Pass the shared data folder as the "
        "first argument or set NASLAB_SHARED_DATA."
    )

ana = benchmarks.load("analognas")
lat = benchmarks.load("table", path=FILES["latency"], preset="nb201-latency")
t200 = benchmarks.load("table", path=FILES["200ep"], preset="nb201-200ep")
t12 = benchmarks.load("table", path=FILES["12ep"], preset="nb201-12ep")
zc = benchmarks.load("suite-zero", path=FILES["suite-zero"])
bench = benchmarks.join(ana, lat, t200, t12, zc)

arch = "|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_1x1~2|"
print(bench.name, len(bench.archs()), "archs")
print("analog acc   ", bench.query(arch, "analog_accuracy"))
print("pixel3 ms    ", bench.query(arch, "latency_pixel3"))
print("test acc @12 ", bench.query(arch, "test_acc", "cifar10", epoch=12))
print("test acc @200", bench.query(arch, "test_acc", "cifar10", epoch=200))
print("epochs       ", bench.epochs("test_acc", "cifar10"))
zc_arch = zc.best_arch("val_accuracy", "cifar10")  # suite-zero holds ~725 archs
print("synflow      ", bench.query(zc_arch, "synflow", "cifar10"))
print("cost         ", bench.cost(arch, "cifar10"), "-", bench.cost_source("cifar10"))
try:
    bench.query(arch, "synflow", "cifar10")  # this cell is not among suite-zero's archs
except KeyError as e:
    print(type(e).__name__, "-", e)
