"""Many meta-analyses on a Dask cluster: the same metapool.batch call on each partition.

Each partition must hold whole meta-analyses (every row of a group in one partition),
as set_index on the grouping column arranges; the rows of all partitions are then the
rows of one batch of the whole table. Run: python python/examples/dask_batch.py
"""

import numpy as np
import pandas as pd
import dask.dataframe as dd
from dask.distributed import Client, LocalCluster

import metapool


def table(groups=2000, k=13, seed=1):
    rng = np.random.default_rng(seed)
    vi = rng.uniform(0.01, 0.5, size=groups * k)
    return pd.DataFrame(
        {
            "analysis": np.repeat([f"ma{g:05d}" for g in range(groups)], k),
            "study": np.tile([f"s{i}" for i in range(k)], groups),
            "yi": rng.normal(0.2, np.sqrt(vi + 0.05)),
            "vi": vi,
        }
    )


def main():
    frame = table()
    with LocalCluster(n_workers=2, threads_per_worker=1) as cluster, Client(cluster):
        ddf = dd.from_pandas(frame.set_index("analysis"), npartitions=8, sort=True).reset_index()
        meta = metapool.batch(frame.head(13), group_by="analysis").iloc[:0]
        rows = ddf.map_partitions(metapool.batch, group_by="analysis", tau2="REML", meta=meta)
        result = rows.compute()
    print(result[["group", "k", "random_estimate", "random_ci_lower", "random_ci_upper", "tau2"]].head())
    print(f"{len(result)} meta-analyses, {result['error'].notna().sum()} failed")


if __name__ == "__main__":
    main()
