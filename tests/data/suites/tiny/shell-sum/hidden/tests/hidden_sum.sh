#!/usr/bin/env bash
# HIDDEN-MARKER-7f3a9c: the hidden test must never be visible to an agent.
set -euo pipefail
[[ $(bash sum.sh 1 2 3) == 6 ]]
