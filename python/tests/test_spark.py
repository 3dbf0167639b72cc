"""Scale-out on Spark: an AWS Config inventory stored as Parquet, evaluated
by Onus inside Spark's mapInArrow on two local workers, gives `onus
estate`'s records, resource for resource.

PySpark runs in local mode (Java 17); ``python/setup`` installs it.
"""

import functools
import json
import os
import sys

import onus
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

INVENTORY = "tests/fixtures/estate/inventories/awsconfig-rdk-example-ci.json"
READ = ("resourceType", "resourceId", "arn")


def test_spark_evaluates_a_parquet_inventory_as_onus_estate_does(repo, run_cli, tmp_path):
    try:
        from pyspark.sql import SparkSession
    except ImportError:
        pytest.fail("pyspark is not installed: run `bash python/setup`")
    items = json.loads((repo / INVENTORY).read_text())["configurationItems"]
    # The inventory as Parquet: one row per configuration item, in order,
    # with what the estate reads of it and its configuration. A snapshot
    # delivered to S3 writes `ARN`, the API `arn`; Spark's column names
    # ignore case, so one `arn` column holds both.
    table = pa.table(
        {
            "position": list(range(len(items))),
            "resourceType": [item["resourceType"] for item in items],
            "resourceId": [item.get("resourceId") for item in items],
            "arn": [item.get("arn", item.get("ARN")) for item in items],
            "configuration": [json.dumps(item.get("configuration")) for item in items],
        },
        schema=pa.schema(
            [("position", pa.int64())]
            + [(key, pa.string()) for key in READ]
            + [("configuration", pa.string())]
        ),
    )
    parquet = tmp_path / "inventory.parquet"
    pq.write_table(table, parquet)

    os.environ["PYSPARK_PYTHON"] = sys.executable
    os.environ["PYSPARK_DRIVER_PYTHON"] = sys.executable
    spark = (
        SparkSession.builder.master("local[2]")
        .appName("onus-estate")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", "2")
        .config("spark.driver.host", "127.0.0.1")
        .getOrCreate()
    )
    try:
        from pyspark.sql.functions import spark_partition_id

        frame = (
            spark.read.parquet(str(parquet))
            .repartition(2, "position")
            .withColumn("partition", spark_partition_id())
        )
        evaluate = functools.partial(
            onus.estate_batches, policy="aws", keep=["position", "partition"]
        )
        answered = frame.mapInArrow(
            evaluate, "position long, partition int, record string"
        ).collect()
    finally:
        spark.stop()

    code, out, err = run_cli("estate", "aws", INVENTORY, "--format", "ndjson")
    assert code == 0, err
    expected = [json.loads(line) for line in out.splitlines()]
    assert len(expected) == len(items) == 78
    by_position = sorted(answered, key=lambda row: row.position)
    # Nothing lost, nothing twice, both workers used.
    assert [row.position for row in by_position] == list(range(len(items)))
    assert {row.partition for row in answered} == {0, 1}
    assert [json.loads(row.record) for row in by_position] == expected
