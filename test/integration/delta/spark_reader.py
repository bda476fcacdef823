"""One long-lived local Spark session with delta-spark that reads Delta tables on request.

Spark takes many seconds to start, so a test file starts this once and sends one
JSON request per line on stdin: {"id": n, "path": "<table folder>", "out": "<dir>"}.
Each answer is one JSON line on stdout: {"id": n, "ok": true, "version", "files",
"rows"} with the table's rows written as Parquet into `out` (one file), or
{"id": n, "ok": false, "error": "..."}. Spark's own logging goes to stderr.
"""
import json
import os
import sys

from pyspark.sql import SparkSession

jars = os.environ["LAKEHOUSE_DELTA_JARS"].split(os.pathsep)
spark = (
    SparkSession.builder.master("local[1]")
    .appName("lakehouse-dev-delta-reader")
    .config("spark.jars", ",".join(jars))
    .config("spark.sql.extensions", "io.delta.sql.DeltaSparkSessionExtension")
    .config("spark.sql.catalog.spark_catalog", "org.apache.spark.sql.delta.catalog.DeltaCatalog")
    .config("spark.sql.session.timeZone", "UTC")
    # Timestamps as INT64 micros with isAdjustedToUTC, not legacy INT96.
    .config("spark.sql.parquet.outputTimestampType", "TIMESTAMP_MICROS")
    .config("spark.ui.enabled", "false")
    .config("spark.sql.shuffle.partitions", "1")
    .config("spark.driver.host", "127.0.0.1")
    .config("spark.driver.bindAddress", "127.0.0.1")
    .config("spark.driver.memory", "768m")
    .getOrCreate()
)
spark.sparkContext.setLogLevel("ERROR")

from delta.tables import DeltaTable  # noqa: E402  (needs the session's JVM)


def read(request):
    path = request["path"]
    frame = spark.read.format("delta").load(path)
    files = len(frame.inputFiles())
    version = DeltaTable.forPath(spark, path).history(1).collect()[0]["version"]
    frame.coalesce(1).write.mode("overwrite").parquet(request["out"])
    rows = spark.read.parquet(request["out"]).count()
    return {"version": version, "files": files, "rows": rows}


print(json.dumps({"ready": True, "spark": spark.version}), flush=True)
for line in sys.stdin:
    if not line.strip():
        continue
    request = json.loads(line)
    try:
        answer = {"id": request["id"], "ok": True, **read(request)}
    except Exception as error:  # the test reports Spark's own message
        answer = {"id": request["id"], "ok": False, "error": str(error).split("\n")[0][:2000]}
    print(json.dumps(answer), flush=True)
spark.stop()
