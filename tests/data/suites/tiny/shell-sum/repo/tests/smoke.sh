#!/usr/bin/env bash
# The repository's own test: no arguments sum to 0.
set -euo pipefail
[[ $(bash sum.sh) == 0 ]]
