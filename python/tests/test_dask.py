"""metapool.batch over the partitions of a dask.dataframe on a LocalCluster of two worker
processes gives exactly the rows of one batch in one process."""

import numpy as np
import pandas as pd
import pytest

import metapool

dd = pytest.importorskip("dask.dataframe")
distributed = pytest.importorskip("dask.distributed")


def many_analyses(groups=400, k=13, seed=7):
    rng = np.random.default_rng(seed)
    n = groups * k
    vi = rng.uniform(0.01, 0.5, size=n)
    return pd.DataFrame(
        {
            "analysis": np.repeat([f"ma{g:04d}" for g in range(groups)], k),
            "study": np.tile([f"s{i}" for i in range(k)], groups),
            "yi": rng.normal(0.2, np.sqrt(vi + 0.05)),
            "vi": vi,
        }
    )


def test_batch_on_a_dask_cluster_is_the_batch_of_one_process():
    frame = many_analyses()
    expected = metapool.batch(frame, group_by="analysis", tau2="REML")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster, \
            distributed.Client(cluster) as client:
        # Partitioned by analysis: every group whole in one partition.
        ddf = dd.from_pandas(frame.set_index("analysis"), npartitions=4, sort=True).reset_index()
        meta = expected.iloc[:0]
        result = ddf.map_partitions(metapool.batch, group_by="analysis", tau2="REML",
                                    meta=meta).compute()
        assert len(client.scheduler_info()["workers"]) == 2
    result = result.sort_values("group").reset_index(drop=True)
    expected = expected.sort_values("group").reset_index(drop=True)
    pd.testing.assert_frame_equal(result, expected, check_exact=True)
