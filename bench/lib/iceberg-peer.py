"""The Iceberg side of the export bench's peer: pyiceberg doing the same work as our Iceberg export.

  iceberg-peer.py create <warehouse> <folder>    creates table bench.t (a SQLite catalog in <warehouse>),
                                                 partitioned by identity(p), then add_files of every Parquet
                                                 file in <folder>: reads every footer for stats and
                                                 partition values, writes manifests
  iceberg-peer.py append <warehouse> <file>...   loads the table and add_files the new files
Prints the current snapshot's id and data file count.
"""
import json
import os
import sys

import pyarrow.parquet as pq
from pyiceberg.catalog.sql import SqlCatalog
from pyiceberg.partitioning import PartitionField, PartitionSpec
from pyiceberg.transforms import IdentityTransform

mode, warehouse = sys.argv[1], os.path.abspath(sys.argv[2])
if mode == "create":
    folder = os.path.abspath(sys.argv[3])
    files = [os.path.join(folder, f) for f in sorted(os.listdir(folder)) if f.endswith(".parquet")]
else:
    files = [os.path.abspath(f) for f in sys.argv[3:]]
catalog = SqlCatalog(
    "bench", uri=f"sqlite:///{warehouse}/catalog.db", warehouse=f"file://{warehouse}"
)
if mode == "create":
    catalog.create_namespace("bench")
    # The schema as pyiceberg maps the files' own (DuckDB writes no field ids: add_files uses name mapping).
    schema = catalog._convert_schema_if_needed(pq.read_schema(files[0]))
    spec = PartitionSpec(PartitionField(schema.find_field("p").field_id, 1000, IdentityTransform(), "p"))
    table = catalog.create_table("bench.t", schema=schema, partition_spec=spec)
else:
    table = catalog.load_table("bench.t")
# Duplicate check off: our export proves an append from the catalog without reading earlier manifests.
table.add_files(files, check_duplicate_files=False)
# The count from the new snapshot's summary (reading the manifests back would time a scan, not the export).
snapshot = catalog.load_table("bench.t").current_snapshot()
print(json.dumps({"snapshot": snapshot.snapshot_id, "files": int(snapshot.summary["total-data-files"])}))
sys.stdout.flush()
os._exit(0)
