#!/usr/bin/env bash
# Runs every benchmark of the bench module in one invocation (so that the
# ratios between implementations hold on a noisy machine), keeps the raw
# output in results.txt, and prints benchstat tables with one column per
# implementation (the first column is the base each other is compared with)
# to stdout and to benchstat.txt.
#
#   ./run.sh          run (about 5 minutes), then summarize
#   ./run.sh -s       only summarize the results.txt already there
#   COUNT=3 ./run.sh  fewer runs of each benchmark (bench/README.md quotes a run of 5)
set -euo pipefail
cd "$(dirname "$0")"

count=${COUNT:-10}
benchstat=(go run golang.org/x/perf/cmd/benchstat@v0.0.0-20260908200009-22c9c6c9d4da)

if [ "${1:-}" != "-s" ]; then
  {
    echo "# go test -run '^\$' -bench . -benchmem -cpu 1,2 -count $count"
    echo "# $(go version)"
    echo "# $(grep -m1 'model name' /proc/cpuinfo | sed 's/.*: //'), $(nproc) cores"
  } >results.txt
  go test -run '^$' -bench . -benchmem -cpu 1,2 -count "$count" | tee -a results.txt
fi

# table TITLE FILTER COLUMNS: one benchstat table, implementations as columns.
table() {
  echo "### $1"
  echo
  echo '```'
  "${benchstat[@]}" -filter "$2" -col "/impl@($3)" results.txt
  echo '```'
  echo
}

{
  table "Per request, against the plain transport" '.name:RoundTrip' 'plain ascjwt oauth2 floor'
  table "Per request, against oauth2" '.name:RoundTrip .unit:(sec/op OR allocs/op)' 'oauth2 ascjwt'
  table "Per request, an answer with Apple's headers, against oauth2" '.name:RoundTripAppleAnswer .unit:(sec/op OR allocs/op)' 'oauth2 ascjwt plain floor'
  table "Signing, against the floor" '.name:(Sign OR SignGoJose)' 'floor ascjwt go-jose golang-jwt'
  table "Signing, against golang-jwt" '.name:(Sign OR SignGoJose) .unit:sec/op' 'golang-jwt ascjwt go-jose'
  table "Rollover" '.name:Rollover .unit:(p99.9-ns OR max-ns OR sigs OR sigs/refresh OR sigs-at-once OR sec/op)' 'oauth2 ascjwt'
  table "Verification" '.name:Verify' 'golang-jwt asctest'
} | tee benchstat.txt
