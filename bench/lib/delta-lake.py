"""The Delta bench's DuckLake: one table written by DuckLake itself, one Parquet file per partition.

  delta-lake.py create <dir> <files>     a catalog (metadata.db) and <dir>/Tables with <files> files
  delta-lake.py append <dir> <files>     one INSERT of <files> more files (new partitions)

Python duckdb 1.5.5 with the same extension binaries as the Node side (LAKEHOUSE_DUCKDB_EXTENSIONS).
"""
import os
import sys

import duckdb

ROWS_PER_FILE = 20
mode, root, files = sys.argv[1], os.path.abspath(sys.argv[2]), int(sys.argv[3])
con = duckdb.connect(config={"extension_directory": os.environ["LAKEHOUSE_DUCKDB_EXTENSIONS"], "threads": 2})
con.execute("LOAD ducklake; LOAD sqlite_scanner")
os.makedirs(root, exist_ok=True)
tables = os.path.join(root, "Tables") + "/"
con.execute(
    f"ATTACH 'ducklake:sqlite:{root}/metadata.db' AS lake "
    f"(DATA_PATH '{tables}', OVERRIDE_DATA_PATH true, DATA_INLINING_ROW_LIMIT 0)"
)
if mode == "create":
    con.execute("CREATE TABLE lake.main.t (id BIGINT, v VARCHAR, ts TIMESTAMPTZ, amount DECIMAL(12,2), p BIGINT)")
    con.execute("ALTER TABLE lake.main.t SET PARTITIONED BY (p)")
    first = 0
else:
    first = con.execute("SELECT max(p) + 1 FROM lake.main.t").fetchone()[0]
start, end = first * ROWS_PER_FILE, (first + files) * ROWS_PER_FILE
con.execute(
    f"""INSERT INTO lake.main.t
    SELECT i, 'v' || i, TIMESTAMPTZ '2024-01-01 00:00:00+00' + to_seconds(i), (i * 0.25)::DECIMAL(12,2), i // {ROWS_PER_FILE}
    FROM range({start}, {end}) r(i)"""
)
print(con.execute("SELECT count(DISTINCT p) FROM lake.main.t").fetchone()[0])
