#!/usr/bin/env bash
# Sharded race on a private single-node Slurm cluster vs the same race run locally.
# Usage: bench/scale-out.sh [AGENTRACE] [REPEATS]   (root; slurm-wlm and munge installed)
# Prints: local wall-clock, Slurm wall-clock (4 shards), the Slurm path's overhead per
# attempt (submit -> first attempt start, merge per shard) and the load average.
set -euo pipefail
bin=$(realpath "${1:-build/agentrace}")
repeats=${2:-2}
src=$(cd "$(dirname "$0")/.." && pwd)
export AGENTRACE_AGENTS_DIR=${AGENTRACE_AGENTS_DIR:-$src/agents}
root=$(mktemp -d /tmp/scale-bench-XXXXXX)
c=$root/cluster
stop() {
  "$src/scripts/slurm-single-node" down "$c"
  rm -rf "$root"
}
trap stop EXIT
"$src/scripts/slurm-single-node" up "$c"
export SLURM_CONF=$c/slurm.conf

cat > "$root/race.toml" <<RACE
name = "scale-bench"
suite = "$src/suites/starter"
tasks = ["sh-rotate-error-path", "py-csvkit-quoted-newline"]
repeats = $repeats
[[contenders]]
name = "oracle"
scaffold = "oracle"
[[contenders]]
name = "nop"
scaffold = "nop"
[[contenders]]
name = "builtin-sim"
scaffold = "builtin"
model = "sim-model"
[contenders.endpoint]
sim = "zero"
RACE
now() { date +%s.%N; }
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg), $(nproc) cores"
t0=$(now); "$bin" run "$root/race.toml" --db "$root/local.db" -q 2>/dev/null; t1=$(now)
echo "local, one process (jobs 1): $(echo "$t1 - $t0" | bc) s"
t0=$(now); "$bin" run "$root/race.toml" --db "$root/slurm.db" --on slurm --nodes 4 -q 2> "$root/slurm.err"; t1=$(now)
echo "slurm, 4 shards: $(echo "$t1 - $t0" | bc) s"
attempts=$(sqlite3 "$root/slurm.db" "select count(*) from attempts where state='done'")
first=$(sqlite3 "$root/slurm.db" "select min(started_at) from attempts")
echo "attempts done: $attempts; submit at $(date -u -d @"${t0%.*}" +%T), first attempt started $first"
echo "submit -> first attempt start: $(echo "$(date -d "$first" +%s.%N) - $t0" | bc) s"
echo "sum of attempt times, local vs slurm (s): $(sqlite3 "$root/local.db" "select round(sum(setup_s+wall_s+grade_s),1) from attempts") vs $(sqlite3 "$root/slurm.db" "select round(sum(setup_s+wall_s+grade_s),1) from attempts")"
shard=$(ls "$root"/slurm-shards/submit-1/shard-0.db)
t0=$(now); for _ in 1 2 3 4 5; do "$bin" merge --db "$root/merge.db" "$shard" 2>/dev/null; done; t1=$(now)
echo "merge of one shard store: $(echo "($t1 - $t0) / 5" | bc -l | cut -c1-5) s"
"$bin" report --db "$root/slurm.db" | sed -n '/## Where attempts ran/,/speed-up/p'
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
