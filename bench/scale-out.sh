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
chmod 755 "$root"
c=$root/cluster
mkdir -p "$c"/{munge,state,spool,run,log}
chmod 755 "$c/munge"
port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
node=$(hostname)
cat > "$c/slurm.conf" <<CONF
ClusterName=bench
SlurmctldHost=localhost
SlurmctldPort=$(port)
SlurmdPort=$(port)
SlurmUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$c/munge/munge.socket.2
StateSaveLocation=$c/state
SlurmdSpoolDir=$c/spool
SlurmctldPidFile=$c/run/slurmctld.pid
SlurmdPidFile=$c/run/slurmd.pid
SlurmctldLogFile=$c/log/slurmctld.log
SlurmdLogFile=$c/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
MpiDefault=none
MailProg=/bin/true
ReturnToService=2
KillWait=5
SchedulerParameters=batch_sched_delay=0
NodeName=$node NodeAddr=127.0.0.1 CPUs=$(nproc) RealMemory=1000 State=UNKNOWN
PartitionName=debug Nodes=$node Default=YES MaxTime=INFINITE State=UP
CONF
head -c 1024 /dev/urandom > "$c/munge/munge.key"
chmod 600 "$c/munge/munge.key"
stop() {
  for d in slurmd slurmctld munged; do
    f=$c/run/$d.pid
    [[ -f $f ]] && [[ $(cat /proc/$(cat "$f")/comm 2>/dev/null) == "$d" ]] && kill "$(cat "$f")"
  done
  sleep 2
  rm -rf "$root"
}
trap stop EXIT
munged --socket="$c/munge/munge.socket.2" --key-file="$c/munge/munge.key" --pid-file="$c/run/munged.pid" \
  --log-file="$c/log/munged.log" --seed-file="$c/munge/seed"
export SLURM_CONF=$c/slurm.conf
slurmctld -f "$SLURM_CONF"
slurmd -f "$SLURM_CONF"
for _ in $(seq 100); do [[ $(sinfo -h -o %T 2>/dev/null) == idle ]] && break; sleep 0.2; done

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
