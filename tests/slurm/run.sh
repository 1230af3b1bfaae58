#!/usr/bin/env bash
# The real Slurm test, run by .ci/run: start a single-node Slurm cluster on
# localhost (tests/slurm/start.sh: Debian's slurmctld, slurmd and munge,
# as root), submit a small sweep as a job array with its merge job
# (`cascade slurm --submit --wait`), and check that the merged result is,
# byte for byte, what one machine's `cascade sweep` writes. The daemons
# this script started are stopped by their pid files on the way out,
# whatever happens.
#
#   bash tests/slurm/run.sh            (as root, with apt; about a minute)
set -euo pipefail
cd "$(dirname "$0")/../.."

cargo build --release --locked -p cascade-runner
# Where cargo put it: CARGO_TARGET_DIR if set (relative to here), else target/.
target="${CARGO_TARGET_DIR:-target}"
case "$target" in /*) ;; *) target="$PWD/$target" ;; esac
bin="$target/release/cascade"
work=$(mktemp -d)
started=0
cleanup() {
    if [ "$started" = 1 ]; then bash tests/slurm/stop.sh; fi
    rm -rf "$work"
}
trap cleanup EXIT

started=1
bash tests/slurm/start.sh

echo "== a sweep of 6 points × 3 replicates as 3 array tasks and a merge job"
"$bin" slurm scenarios/sweep_soil.ron --shards 3 --out "$work/cluster" --submit --wait
for i in 0 1 2; do
    test -s "$work/cluster/slices/$i/manifest.json" || { echo "slice $i did not finish" >&2; exit 1; }
done

echo "== the same sweep on this machine"
"$bin" sweep scenarios/sweep_soil.ron --out "$work/local" > /dev/null

echo "== the merged result against the local one"
# The stores need not be the same bytes (their pages fall as the batches
# did); every export, the manifest and run.json must.
diff -r -x "store.sqlite*" "$work/local" "$work/cluster/merged"
echo "the result of the Slurm job array, merged, is byte for byte the local sweep's"

echo "== a failed slice: the merge is cancelled and says so"
# A slice that cannot write its output (its directory is a file) fails;
# the merge job's afterok dependency can then never be met.
mkdir -p "$work/broken/slices"
touch "$work/broken/slices/1"
if "$bin" slurm scenarios/sweep_soil.ron --shards 3 --out "$work/broken" --submit --wait > "$work/broken.out" 2>&1; then
    echo "a failed slice went unreported" >&2; cat "$work/broken.out" >&2; exit 1
fi
grep -q "the merge did not succeed: slices 1/3 failed" "$work/broken.out"
grep -q "sbatch --parsable --array=1 " "$work/broken.out"
echo "== re-running only the failed slice completes the result"
rm "$work/broken/slices/1"
array=$(sbatch --parsable --wait --array=1 "$work/broken/slurm/slices.sbatch")
sbatch --parsable --wait --dependency=afterok:"${array%%;*}" "$work/broken/slurm/merge.sbatch" > /dev/null
diff -r -x "store.sqlite*" "$work/local" "$work/broken/merged"
echo "after re-running slice 1 alone, the merged result is the local sweep's"
