# Versions on the dbt side, and which extension binaries its DuckDB loads from
# LAKEHOUSE_DUCKDB_EXTENSIONS (the bench checks they are the built-in's).
import importlib.metadata as md
import json
import os
import sys

import duckdb

con = duckdb.connect(config={"extension_directory": os.environ["LAKEHOUSE_DUCKDB_EXTENSIONS"]})
for name in ("ducklake", "sqlite_scanner", "tpch"):
    con.execute(f"LOAD {name}")
rows = con.execute(
    "SELECT extension_name, extension_version, install_path FROM duckdb_extensions() "
    "WHERE loaded AND install_path NOT IN ('', '(BUILT-IN)') ORDER BY 1"
).fetchall()
print(
    json.dumps(
        {
            "python": sys.version.split()[0],
            "duckdb": duckdb.__version__,
            "dbtCore": md.version("dbt-core"),
            "dbtDuckdb": md.version("dbt-duckdb"),
            "extensions": [{"name": n, "version": v, "path": p} for n, v, p in rows],
        }
    )
)
