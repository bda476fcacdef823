#!/usr/bin/env bash
# Installs the independent peers the tests compare against: real dbt-duckdb
# (for the runner's differential tests), delta-rs (`deltalake`, a second
# Delta reader) and pyiceberg (an Iceberg reader for the Iceberg export; with
# its SQLite catalog, the `sql-sqlite` extra, also the Iceberg export bench's
# peer). Python `duckdb` is pinned to the version our Node binding embeds so
# both sides load the same extension binaries.
# dbt-core is pinned to 1.10: newer releases pull a parser package whose build
# downloads from outside the package registries, which fails offline.
# Idempotent; the venv is cached between runs.
set -euo pipefail
venv="${LAKEHOUSE_PEER_VENV:-$HOME/.cache/lakehouse-dev/py-peers}"
stamp="$venv/.provisioned-v3"
if [ -f "$stamp" ]; then
  echo "python peers ready in $venv"
  exit 0
fi
python3 -m venv "$venv"
"$venv/bin/pip" install --quiet --disable-pip-version-check \
  'duckdb==1.5.5' 'dbt-core==1.10.23' 'dbt-duckdb==1.10.1' 'deltalake==1.6.6' 'pyarrow>=17' \
  'pyiceberg[sql-sqlite]==0.12.0'
"$venv/bin/python" -c "import duckdb, deltalake, pyiceberg, dbt.version; print('duckdb', duckdb.__version__, '| deltalake', deltalake.__version__, '| dbt', dbt.version.__version__, '| pyiceberg', pyiceberg.__version__)"
touch "$stamp"
