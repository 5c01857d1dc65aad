from __future__ import annotations

import os
import pickle
import shutil

import numpy as np
import pytest
from nas_bench_graph.architecture import Arch as PackageArch

import benchmarks
from benchmarks import nbgraph
from nas_core import DataFormatError, MissingFileError, NotInBenchmarkError, UnknownNameError

# naslab metric -> the package's key
KEYS = {"valid_perf": "valid_perf", "test_perf": "perf", "latency": "latency", "params": "para"}
HAND_BUILT = [
    ([0, 1, 2, 3], ["gcn", "gat", "skip", "fc"]),
    ([0, 1, 2, 1], ["gcn", "gin", "fc", "cheb"]),
    ([0, 0, 0, 0], ["sage", "sage", "arma", "gcn"]),
    ([0, 1, 1, 2], ["skip", "graph", "gin", "cheb"]),
    ([0, 0, 2, 1], ["gcn", "fc", "arma", "sage"]),  # non-standard link, proteins ops only
    ([0, 1, 2, 3], ["skip", "skip", "gcn", "gcn"]),  # one of the package's anchors
]


@pytest.fixture(scope="module")
def bench():
    return benchmarks.load("nbgraph")


@pytest.fixture(scope="module")
def package_data():
    """The package's own light files, read the package's way (plain pickle of its own data)."""
    out = {}
    for ds, path in nbgraph.data_paths().items():
        with open(path, "rb") as f:
            out[ds] = pickle.load(f)
    return out


def test_hand_built_archs_equal_the_package_values(bench, package_data):
    for link, ops in HAND_BUILT:
        key = PackageArch(link, ops).valid_hash()
        for ds, data in package_data.items():
            if key not in data:
                assert ds == "proteins"
                continue
            for metric, src in KEYS.items():
                expected = np.float32(data[key][src])
                assert bench.query([(link, ops)], metric, ds)[0] == expected
                assert bench.query(f"link={link} ops=[{','.join(ops)}]", metric, ds) == expected


def test_every_key_of_every_file_is_present_with_its_values(bench, package_data):
    space = bench.space
    for ds, data in package_data.items():
        keys = np.fromiter(data, dtype=np.int64)
        idx = space.indices_of_hashes(keys)
        for metric, src in KEYS.items():
            got = bench.query(idx, metric, ds)
            want = np.array([data[k][src] for k in keys.tolist()], dtype=np.float32)
            np.testing.assert_array_equal(got, want)
    assert {len(d) for ds, d in package_data.items() if ds != "proteins"} == {26206}


def test_proteins_has_2021_archs_and_missing_ones_raise(bench, package_data):
    assert len(package_data["proteins"]) == 2021
    prot = bench.archs("proteins")
    assert len(prot) == 2021 and len(bench.archs()) == len(bench.archs("cora")) == 26206
    assert sorted(bench.space.hash(a) for a in prot) == sorted(package_data["proteins"])
    allowed = {bench.space.ops.index(o) for o in ("gcn", "sage", "arma", "fc", "skip")}
    assert all(set(a.ops[1:]) <= allowed for a in prot)
    gat = bench.space.parse(([0, 1, 2, 3], ["gat", "gcn", "gcn", "gcn"]))
    with pytest.raises(NotInBenchmarkError, match="proteins.*gcn, sage, arma, fc, skip"):
        bench.query(gat, "test_perf", "proteins")
    with pytest.raises(NotInBenchmarkError, match="1 architecture"):
        bench.query([prot[0], gat], "valid_perf", "proteins")
    with pytest.raises(NotInBenchmarkError):
        bench.cost(gat, "proteins")
    with pytest.raises(NotInBenchmarkError):
        bench.cost([gat], "proteins")
    assert bench.query(gat, "test_perf", "cora") > 0
    q = bench.query(prot, "test_perf", "proteins")
    assert q.shape == (2021,) and not np.isnan(q).any()
    assert bench.cost(prot[:3], "proteins").tolist() == [1.0, 1.0, 1.0]
    assert bench.optimum("test_perf", "proteins") == q.max()
    assert bench.best_arch("test_perf", "proteins") == prot[int(np.argmax(q))]


def test_unknown_dataset_and_metric_name_the_valid_ones(bench):
    with pytest.raises(UnknownNameError, match="Did you mean 'proteins'.*pubmed"):
        bench.query(0, "test_perf", "protein")
    with pytest.raises(UnknownNameError, match="Did you mean 'test_perf'.*latency, params"):
        bench.query(0, "perf")
    with pytest.raises(UnknownNameError, match="citeseer"):
        benchmarks.load("nbgraph", dataset="ogbn")


def test_metadata(bench):
    assert bench.datasets == nbgraph.DATASETS and bench.default_dataset == "cora"
    assert benchmarks.load("nbgraph", dataset="arxiv").default_dataset == "arxiv"
    assert [m.name for m in bench.metrics()] == ["valid_perf", "test_perf", "latency", "params"]
    info = {m.name: m for m in bench.metrics("proteins")}
    assert "ROC-AUC" in info["test_perf"].description
    assert "accuracy" in bench.metric_info("valid_perf", "arxiv").description
    assert not info["latency"].higher_is_better and info["latency"].unit == "s"
    assert not info["params"].higher_is_better and info["params"].unit == "millions"
    assert "unit cost" in bench.cost_source("cora")
    assert "Apache-2.0" in bench.licence and "NAS-Bench-Graph" in bench.citation
    assert bench.info()["num_archs"] == 26206


def test_optimum_is_the_table_max(bench, package_data):
    best = max(v["perf"] for v in package_data["cora"].values())
    assert bench.optimum("test_perf", "cora") == np.float32(best)
    fastest = min(v["latency"] for v in package_data["arxiv"].values())
    assert bench.optimum("latency", "arxiv") == np.float32(fastest)


def test_warm_load_reads_the_cache(bench):
    again = benchmarks.load("nbgraph")
    assert again.store.values.shape == (36, 26206)
    np.testing.assert_array_equal(
        again.query(np.arange(100), "test_perf"), bench.query(np.arange(100), "test_perf")
    )


def test_foreign_pickle_is_refused(tmp_path):
    bad = tmp_path / "cora.bench"
    bad.write_bytes(pickle.dumps({0: os.getcwd}))
    with pytest.raises(DataFormatError, match="refusing"):
        nbgraph.read_source(bad)
    bad.write_bytes(pickle.dumps({0: {"perf": 0.5}}))
    with pytest.raises(DataFormatError, match="valid_hash"):
        nbgraph.read_source(bad)


def test_missing_files_say_where_they_were_looked_for(tmp_path):
    with pytest.raises(MissingFileError, match=str(tmp_path)):
        benchmarks.load("nbgraph", path=tmp_path)


def test_a_file_with_foreign_keys_is_a_format_error(tmp_path):
    for path in nbgraph.data_paths().values():
        shutil.copy(path, tmp_path / path.name)
    rec = {"valid_perf": 0.5, "perf": 0.5, "latency": 0.1, "para": 1.0}
    (tmp_path / "cora.bench").write_bytes(pickle.dumps({12345678: rec}))
    with pytest.raises(DataFormatError, match="12345678"):
        benchmarks.load("nbgraph", path=tmp_path)
