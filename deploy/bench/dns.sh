#!/usr/bin/env bash
# DNS benchmark (issue 13): the agent's DNS server on loopback under load (queries/s, p50/p99),
# next to a trivial UDP echo server measured in the same run.
#   deploy/bench/dns.sh [seconds=5] [rate=20000] [sockets=2] [window=16] [jobs=100] [replicas=3] [rounds=2]
# Needs nothing but Java; no root. JVM options: BENCH_JAVA_OPTS (default -Xmx512m).
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
dist="$repo/deploy/target/gantry-0.1.0-SNAPSHOT/gantry"
[[ -d "$dist/lib" && -f "$repo/deploy/target/classes/dev/gantry/bench/DnsBenchmark.class" ]] \
  || (cd "$repo" && mvn -q -B -DskipTests package)
# Freshly compiled agent classes win over the jars of the last packaged distribution.
cp="$repo/deploy/target/classes"
[[ -d "$repo/agent/target/classes" ]] && cp="$cp:$repo/agent/target/classes"
echo "uptime: $(uptime)"
exec java ${BENCH_JAVA_OPTS:--Xmx512m} -cp "$cp:$dist/lib/*" dev.gantry.bench.DnsBenchmark "$@"
