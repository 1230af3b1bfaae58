#!/bin/bash
# The project's single-node Slurm recipe (checked on Debian 12 with Slurm 22.05): used by tests/slurm/run.sh.
# Stop the daemons by the PIDs in their pidfiles (slurmd first, then slurmctld, then munged)
for f in /run/slurmd.pid /run/slurmctld.pid /run/munge/munged.pid; do
  [ -s "$f" ] || continue
  pid=$(cat "$f"); kill "$pid" 2>/dev/null || continue
  for i in $(seq 1 20); do kill -0 "$pid" 2>/dev/null || break; sleep 0.25; done
  echo "stopped $pid ($f)"
done
