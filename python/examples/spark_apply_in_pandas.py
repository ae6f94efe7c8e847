"""Many meta-analyses on Spark: metapool.batch as the function of applyInPandas.

Spark hands each group (here, each meta-analysis) to the function as a pandas
DataFrame; metapool.batch pools it and returns its one row. Not run in CI (it needs
pyspark and a Java runtime). Run: spark-submit python/examples/spark_apply_in_pandas.py
(metapool installed on every executor: pip install ./python).
"""

import numpy as np
import pandas as pd
from pyspark.sql import SparkSession

import metapool

# The schema of metapool.batch's DataFrame (the columns of `metapool batch`'s CSV).
SCHEMA = ", ".join(
    ["`group` string", "k long", "measure string"]
    + [f"{c} double" for c in metapool.BATCH_COLUMNS[3:-1]]
    + ["error string"]
)


def pool_group(frame: pd.DataFrame) -> pd.DataFrame:
    """One meta-analysis (every row of one group) pooled: its row of the batch."""
    return metapool.batch(frame, group_by="analysis", tau2="REML", ci="hksj")


def main():
    spark = SparkSession.builder.appName("metapool batch").getOrCreate()
    rng = np.random.default_rng(1)
    groups, k = 1000, 13
    vi = rng.uniform(0.01, 0.5, size=groups * k)
    frame = pd.DataFrame(
        {
            "analysis": np.repeat([f"ma{g:05d}" for g in range(groups)], k),
            "study": np.tile([f"s{i}" for i in range(k)], groups),
            "yi": rng.normal(0.2, np.sqrt(vi + 0.05)),
            "vi": vi,
        }
    )
    rows = spark.createDataFrame(frame).groupBy("analysis").applyInPandas(pool_group, SCHEMA)
    rows.orderBy("group").show(5)
    spark.stop()


if __name__ == "__main__":
    main()
