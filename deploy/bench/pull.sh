#!/usr/bin/env bash
# Image pull benchmark (issue: Images from registries): Gantry's pull + verify + unpack of a
# multi-layer image from a local docker-registry, next to `docker pull` of the same image from the
# same registry, on an empty store each time. Needs root, docker-registry and a Docker Engine
# (deploy/scripts/start-dockerd.sh starts one).
#   deploy/bench/pull.sh [layers=5] [layerMB=12] [rounds=5]
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
dist="$repo/deploy/target/gantry-0.1.0-SNAPSHOT/gantry"
[[ -d "$dist/lib" && -d "$repo/deploy/target/classes" ]] || (cd "$repo" && mvn -q -B -DskipTests package)
"$repo/deploy/scripts/start-dockerd.sh"
exec java -cp "$repo/deploy/target/classes:$dist/lib/*" dev.gantry.bench.PullBenchmark "$@"
