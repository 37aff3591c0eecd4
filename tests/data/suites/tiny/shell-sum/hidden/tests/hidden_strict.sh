#!/usr/bin/env bash
set -euo pipefail
[[ $(bash sum.sh 5) == 5 ]]
[[ $(bash sum.sh -2 -3) == -5 ]]
