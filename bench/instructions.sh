#!/usr/bin/env bash
# Instructions per operation, counted by valgrind's callgrind: unlike
# nanoseconds on a shared virtual machine, the same binary and inputs give
# the same count run after run, so differences of a few percent are real.
# Each benchmark runs twice, with LOW and HIGH iterations; the difference of
# the totals divided by HIGH-LOW is the cost of one iteration, with start-up
# and set-up subtracted out. The garbage collector is off (GOGC=off), since
# when it runs is not repeatable; allocations are counted by -benchmem.
# Asynchronous preemption is off too: callgrind cannot follow the signals
# (SIGURG) the Go runtime preempts with, and stops on an assertion.
#
#   ./instructions.sh          print a table of instructions per operation
set -euo pipefail
cd "$(dirname "$0")"
command -v valgrind >/dev/null || { echo "valgrind is needed (Debian: apt-get install valgrind)" >&2; exit 1; }

bin=$(mktemp -d)/bench.test
go test -c -o "$bin" .

count() { # benchmark iterations -> instructions of the whole run
  GODEBUG=asyncpreemptoff=1 GOGC=off valgrind --tool=callgrind --callgrind-out-file="$bin.out" "$bin" \
    -test.run '^$' -test.bench "$1\$" -test.benchtime "${2}x" -test.cpu 1 2>&1 |
    sed -n 's/.*Collected : //p'
}

per_op() { # benchmark low high
  local a b
  a=$(count "$1" "$2")
  b=$(count "$1" "$3")
  echo $(((b - a) / ($3 - $2)))
}

printf '| benchmark | instructions/op |\n|---|---:|\n'
for impl in floor ascjwt go-jose golang-jwt; do
  name="Sign/impl=$impl"
  [ "$impl" = go-jose ] && name="SignGoJose/impl=go-jose"
  printf '| %s | %s |\n' "$name" "$(per_op "$name" 100 600)"
done
for bench in RoundTrip RoundTripAppleAnswer; do
  for impl in floor ascjwt oauth2; do
    # "$bench\$": RoundTrip alone would also match RoundTripAppleAnswer.
    printf '| %s | %s |\n' "$bench/impl=$impl" "$(per_op "$bench\$/impl=$impl" 50000 250000)"
  done
done
for impl in golang-jwt asctest; do
  printf '| %s | %s |\n' "Verify/impl=$impl" "$(per_op "Verify/impl=$impl" 100 600)"
done
