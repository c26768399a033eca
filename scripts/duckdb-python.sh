#!/usr/bin/env bash
# Installs DuckDB's own Python client at the version tally bundles (with pyarrow, to
# fetch results as Arrow) into a virtualenv outside the clone, once per machine: the
# report benchmark (`cargo bench --bench reports`) times the same SQL on the same
# file with it, beside tally's in-process run.
set -euo pipefail
venv="${TALLY_DUCKDB_VENV:-$HOME/.cache/tally-duckdb-venv}"
duckdb_version="2.0.0"
if [ -x "$venv/bin/python" ] &&
  [ "$("$venv/bin/python" -c 'import duckdb, pyarrow; print(duckdb.__version__)' 2>/dev/null)" = "$duckdb_version" ]; then
  exit 0
fi
rm -rf "$venv"
python3 -m venv "$venv"
"$venv/bin/pip" install -q --disable-pip-version-check "duckdb==$duckdb_version" "pyarrow>=15"
"$venv/bin/python" -c "import duckdb, pyarrow"
