#!/usr/bin/env bash
# sum.sh: prints the sum of its integer arguments.
set -euo pipefail
total=0
for ((i = 1; i < $#; i++)); do
  total=$((total + ${!i}))
done
echo "$total"
