#!/usr/bin/env bash
# Installs the third Delta reader the tests compare against: Apache Spark with
# delta-spark, the engine family Fabric runs (Fabric Runtime 1.3 = Spark 3.5 +
# Delta 3.2). pyspark and delta-spark come from PyPI into their own venv (the
# pyspark wheel alone is ~300 MB; keeping it out of the peers venv keeps that
# one quick to rebuild); the Delta jars come from Maven Central by plain HTTPS
# into the cache, so Spark starts without Ivy resolution or network. Needs a
# Java 17 runtime (Debian: openjdk-17-jre-headless). Idempotent; cached.
set -euo pipefail
PYSPARK_VERSION=3.5.7
DELTA_VERSION=3.2.1
cache="${LAKEHOUSE_CACHE:-$HOME/.cache/lakehouse-dev}"
venv="${LAKEHOUSE_SPARK_VENV:-$cache/py-spark}"
jars="$venv/delta-jars"
stamp="$venv/.provisioned-spark${PYSPARK_VERSION}-delta${DELTA_VERSION}"
if [ -f "$stamp" ]; then
  echo "spark peer ready in $venv"
  exit 0
fi
if ! command -v java >/dev/null; then
  echo "java not found: install a Java 17 runtime (apt-get install openjdk-17-jre-headless)" >&2
  exit 1
fi
python3 -m venv "$venv"
"$venv/bin/pip" install --quiet --disable-pip-version-check \
  "pyspark==$PYSPARK_VERSION" "delta-spark==$DELTA_VERSION" 'pyarrow>=17'
mkdir -p "$jars"
maven=https://repo1.maven.org/maven2/io/delta
for artifact in "delta-spark_2.12" "delta-storage"; do
  jar="$jars/$artifact-$DELTA_VERSION.jar"
  [ -s "$jar" ] && continue
  curl --fail --silent --show-error --location --retry 3 \
    -o "$jar.part" "$maven/$artifact/$DELTA_VERSION/$artifact-$DELTA_VERSION.jar"
  curl --fail --silent --show-error --location --retry 3 \
    -o "$jar.sha1" "$maven/$artifact/$DELTA_VERSION/$artifact-$DELTA_VERSION.jar.sha1"
  echo "$(cut -c1-40 "$jar.sha1")  $jar.part" | sha1sum --check --quiet
  mv "$jar.part" "$jar"
  rm -f "$jar.sha1"
done
"$venv/bin/python" -c "import pyspark, delta; print('pyspark', pyspark.__version__, '| delta-spark', '$DELTA_VERSION')"
java -version 2>&1 | head -1
touch "$stamp"
