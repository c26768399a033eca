#!/usr/bin/env bash
# Installs the FinOps Foundation's FOCUS validator (PyPI focus-validator 2.2.1) into
# a virtualenv outside the clone, once per machine; the FOCUS export test runs it.
# It needs Python >= 3.12; it pins numpy<2, so pyarrow is held below 18 beside it.
set -euo pipefail
venv="${TALLY_FOCUS_VENV:-$HOME/.cache/tally-focus-venv}"
if [ -x "$venv/bin/focus-validator" ]; then
  installed="$("$venv/bin/pip" show focus-validator 2>/dev/null | sed -n 's/^Version: //p')"
  if [ "$installed" = "2.2.1" ]; then
    exit 0
  fi
fi
python=""
for candidate in "env PYENV_VERSION=3.12.1 python3.12" python3.12 python3.13 python3; do
  if $candidate -c 'import sys; sys.exit(0 if sys.version_info >= (3, 12) else 1)' 2>/dev/null; then
    python="$candidate"
    break
  fi
done
if [ -z "$python" ]; then
  echo "no Python >= 3.12 found for focus-validator (pyenv 3.12.1, python3.12, python3.13 or python3)" >&2
  exit 1
fi
rm -rf "$venv"
$python -m venv "$venv"
"$venv/bin/pip" install -q --disable-pip-version-check "focus-validator==2.2.1" "numpy<2" "pyarrow<18"
"$venv/bin/python" -c "import focus_validator"
