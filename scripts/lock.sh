#!/usr/bin/env bash
# Write requirements.lock from ./.venv once `make test` has passed there: the versions of the tested set, which
# scripts/install.sh then installs as constraints. The editable app and the locally compiled llama-cpp-python
# are left out.
set -euo pipefail
cd "$(dirname "$0")/.."
{
  echo "# The tested set: every package's version in the environment where \`make test\` passed ($(.venv/bin/python -c 'import platform; print("Python", platform.python_version(), platform.system(), platform.machine())'))."
  echo "# scripts/install.sh installs with these as constraints (pip -c); scripts/lock.sh writes this file again."
  echo "# llama-cpp-python is not here: it is compiled for the machine (scripts/install.sh pins its range)."
  .venv/bin/python -m pip freeze --exclude-editable | grep -v '^#' | grep -iv '^llama[-_]cpp[-_]python=='
} > requirements.lock.tmp
mv requirements.lock.tmp requirements.lock
echo "wrote requirements.lock ($(grep -vc '^#' requirements.lock) packages)"
