#!/usr/bin/env bash
# Installs moto's S3 server (PyPI moto[server]) with boto3 and pyarrow into a
# virtualenv outside the clone, once per machine: the object-storage tests start it
# on a free loopback port, create their buckets with boto3, and read an export back
# with pyarrow.dataset over its S3 filesystem.
set -euo pipefail
venv="${TALLY_S3_VENV:-$HOME/.cache/tally-s3-venv}"
moto_version="5.2.6"
if [ -x "$venv/bin/moto_server" ]; then
  installed="$("$venv/bin/pip" show moto 2>/dev/null | sed -n 's/^Version: //p')"
  if [ "$installed" = "$moto_version" ] && "$venv/bin/python" -c "import pyarrow.fs, boto3" 2>/dev/null; then
    exit 0
  fi
fi
rm -rf "$venv"
python3 -m venv "$venv"
"$venv/bin/pip" install -q --disable-pip-version-check "moto[server]==$moto_version" boto3 "pyarrow>=15"
"$venv/bin/python" -c "import moto, boto3, pyarrow.dataset, pyarrow.fs"
