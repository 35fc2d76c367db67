#!/usr/bin/env bash
# Placement at scale (issue 4): the real scheduler over gRPC on a real etcd, with simulated
# agents, next to the placement engine alone and raw etcd measured in the same run.
#   deploy/bench/placement-scale.sh [scenario=small|A|B] [nodes=N] [jobs=N] [replicas=N] [key=value ...]
# Needs /usr/bin/etcd (Debian: etcd-server). JVM options: BENCH_JAVA_OPTS (default -Xmx4g).
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
dist="$repo/deploy/target/gantry-0.1.0-SNAPSHOT/gantry"
[[ -d "$dist/lib" && -f "$repo/deploy/target/classes/dev/gantry/bench/PlacementScaleBenchmark.class" ]] \
  || (cd "$repo" && mvn -q -B -DskipTests package)
# Freshly compiled scheduler and api classes win over the jars of the last packaged distribution.
cp="$repo/deploy/target/classes"
for m in scheduler api; do [[ -d "$repo/$m/target/classes" ]] && cp="$cp:$repo/$m/target/classes"; done
exec java -XX:+UseG1GC ${BENCH_JAVA_OPTS:--Xmx4g} -cp "$cp:$dist/lib/*" dev.gantry.bench.PlacementScaleBenchmark "$@"
