#!/usr/bin/env bash
# A local multi-server cluster to try Gantry on: a real etcd, three scheduler replicas and
# N agents (default 3), each agent in its own Docker container with its own address. It is
# the harness the fault tests (MultiHostIT, ChaosIT) use. Ctrl-C stops it and removes the
# containers.   Usage: deploy/scripts/cluster.sh [AGENTS]
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
"$repo/deploy/scripts/install-deps.sh" --test
"$repo/deploy/scripts/start-dockerd.sh"
cd "$repo"
mvn -q -B install -DskipTests
mvn -q -B -pl deploy dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile=target/cluster.classpath
home=$(ls -d "$repo"/deploy/target/gantry-*/gantry | head -1)
exec java -Dgantry.home="$home" -cp "$repo/deploy/target/test-classes:$(cat deploy/target/cluster.classpath)" \
  dev.gantry.e2e.LocalCluster "$@"
