#!/bin/sh
# The scaling table of docs/performance.md ("Heterogeneous tumours at
# clinical scale (issue 19)", The scaling table): one replicate per row,
# one thread, `cascade bench` for the time, the events and the clones,
# `/usr/bin/time -v` for the process's peak resident memory.
#
#   cargo build --release -p cascade-runner
#   scripts/scaling.sh [path/to/cascade] [rows: mutation clones shedding]
#
# Rows print as Markdown table rows, with the machine's load average when
# the row started (a loaded machine makes every time longer). A row that
# takes more than SCALING_TIMEOUT seconds (default 600) is stopped and
# printed as not finished.
set -eu
cascade=${1:-target/release/cascade}
shift || true
parts=${*:-mutation clones shedding}

row() {
    label=$1
    shift
    load=$(uptime | sed 's/.*load average: //; s/,.*//')
    limit=${SCALING_TIMEOUT:-600}
    status=0
    out=$(timeout "$limit" /usr/bin/time -v "$cascade" bench "$@" --replicates 1 --threads 1 2>&1) || status=$?
    if [ "$status" -eq 124 ]; then
        echo "| $label | not finished in $limit s | | | | $load |"
        return
    elif [ "$status" -ne 0 ]; then
        echo "| $label | stopped: $(echo "$out" | grep -m1 -i error) | | | | $load |"
        return
    fi
    seconds=$(echo "$out" | sed -n 's/^  per replicate  *\([0-9.]*\) s.*/\1/p')
    events=$(echo "$out" | sed -n 's/^  events per replicate  *//p')
    clones=$(echo "$out" | sed -n 's/^  clones  *//p')
    peak=$(echo "$out" | sed -n 's/.*Maximum resident set size (kbytes): //p')
    echo "| $label | $clones | $events | $seconds | $((peak / 1024)) MB | $load |"
}

heterogeneous=scenarios/bench/human_scale_heterogeneous.ron
clinical=scenarios/therapy/clinical_one_drug.ron

for part in $parts; do
    case $part in
    mutation)
        # The heterogeneous human-scale benchmark to day 180 (its primary
        # near 1.6x10^9 cells), the mutation probability per division moved.
        for mu in 1e-7 1e-6 1e-5 1e-4; do
            row "mutation $mu, day 180" "$heterogeneous" --set stop_day=180 \
                --set clones.CRC.mutation_probability=$mu
        done
        ;;
    clones)
        # A primary alone (clinical_one_drug.ron: exponential, no shedding,
        # steps of 0.1 days), mutation 1e-5 per division with mutants
        # keeping their parent's rates, no dose (the regimen starts beyond
        # any size reached): the clones ever grow as 1.7e-5 x N, N =
        # 10^4 e^(0.3 t), so day D gives about 10^3, ..., 10^7 clones.
        for day in 29 37 44.6 52.3 60; do
            row "clones, day $day" "$clinical" --set stop_day=$day \
                --set therapy.regimens.0.start=1e15 \
                --set clones.CRC.mutation_probability=1e-5 \
                --set therapy.drugs.A.resistance_probability=0
        done
        ;;
    shedding)
        # The heterogeneous benchmark to day 180, shedding 1x, 10x, 100x
        # (4e-5, 4e-4, 4e-3 per cell per day; the file's is 4e-3), the
        # birth rate as in the file.
        for shed in 4e-5 4e-4 4e-3; do
            row "shedding $shed, day 180" "$heterogeneous" --set stop_day=180 \
                --set clones.CRC.shedding_rate=$shed
        done
        ;;
    esac
done
