#!/usr/bin/env bash
# Runs the per-request and rollover benchmarks as built from several
# commits, interleaved run by run, so that the machine's noise falls on
# every commit alike ("the same run"), and prints benchstat tables with one
# column per commit. Instruction counts (callgrind) for the per-request
# benchmark follow, when valgrind is there.
#
#   ./compare.sh dcc705f 8e13e3b HEAD     # COUNT=10 by default
set -euo pipefail
cd "$(dirname "$0")"
[ $# -ge 2 ] || { echo "usage: $0 COMMIT COMMIT [COMMIT...]" >&2; exit 2; }
count=${COUNT:-10}
work=$(mktemp -d)
trap 'for c in "$@"; do git worktree remove --force "$work/src-$c" 2>/dev/null || true; done; rm -rf "$work"' EXIT
for c in "$@"; do
  git worktree add -q --detach "$work/src-$c" "$c"
  (cd "$work/src-$c/bench" && go test -c -o "$work/bench-$c.test" .)
done
out=compare.txt
{
  echo "# $0 $*   (COUNT=$count)"
  echo "# $(go version); $(grep -m1 'model name' /proc/cpuinfo | sed 's/.*: //'), $(nproc) cores"
} > "$out"
for i in $(seq "$count"); do
  for c in "$@"; do
    # benchstat reads the commit as a name key; -cpu's suffix stays last.
    "$work/bench-$c.test" -test.run '^$' -test.bench 'RoundTrip|Rollover' -test.benchmem -test.cpu 1,2 -test.count 1 |
      awk -v c="$c" '/^Benchmark/ { s = ""; if (match($1, /-[0-9]+$/)) { s = substr($1, RSTART); $1 = substr($1, 1, RSTART - 1) } $1 = $1 "/commit=" c s; print }' >> "$out"
  done
done
benchstat=(go run golang.org/x/perf/cmd/benchstat@v0.0.0-20260908200009-22c9c6c9d4da)
cols="/commit@($*)"
# One row per implementation and -cpu, one column per commit; then, per
# commit, oauth2 as the base that ascjwt and the floor are compared with.
"${benchstat[@]}" -filter '.name:RoundTrip .unit:(sec/op OR allocs/op)' -col "$cols" -row '/impl /gomaxprocs' "$out"
"${benchstat[@]}" -filter '.name:RoundTrip .unit:sec/op' -col '/impl@(oauth2 ascjwt floor)' -row "$cols /gomaxprocs" "$out"
"${benchstat[@]}" -filter '.name:RoundTripAppleAnswer .unit:(sec/op OR allocs/op)' -col '/impl@(oauth2 ascjwt floor)' -row "$cols /gomaxprocs" "$out" 2>/dev/null || true
"${benchstat[@]}" -filter '.name:Rollover .unit:(p99.9-ns OR max-ns OR sigs/refresh)' -col "$cols" -row '/impl /gomaxprocs' "$out"
if command -v valgrind >/dev/null; then
  echo; echo "instructions per request (callgrind, GOGC=off, async preemption off)"
  for c in "$@"; do
    # RoundTrip$ alone: the pattern would also match RoundTripAppleAnswer.
    for bench in 'RoundTrip$' 'RoundTripAppleAnswer$'; do
      for impl in floor ascjwt oauth2; do
        n() { GODEBUG=asyncpreemptoff=1 GOGC=off valgrind --tool=callgrind --callgrind-out-file="$work/cg.out" "$work/bench-$c.test" \
          -test.run '^$' -test.bench "$bench/impl=$impl\$" -test.benchtime "${1}x" -test.cpu 1 2>&1 | sed -n 's/.*Collected : //p'; }
        a=$(n 50000); b=$(n 250000)
        per=$(((b - a) / 200000))
        [ "$per" -gt 100 ] || continue # a commit before the benchmark existed
        echo "$c ${bench%\$}/impl=$impl $per"
      done
    done
  done
fi
