#!/usr/bin/env bash
# Container start benchmark (issue: Gantry end to end): agent start latency next to a plain
# `runc run -d`, and submit -> 10 replicas running. Needs root, runc, conmon, busybox-static.
#   deploy/bench/start.sh [starts=60] [rounds=5]
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
dist="$repo/deploy/target/gantry-0.1.0-SNAPSHOT/gantry"
[[ -d "$dist/lib" && -d "$repo/deploy/target/classes" ]] || (cd "$repo" && mvn -q -B -DskipTests package)
exec java -cp "$repo/deploy/target/classes:$dist/lib/*" dev.gantry.bench.StartBenchmark "$@"
