#!/usr/bin/env bash
# Command 2 of the README: installs what the tests need (JDK, Maven, runc, conmon, etcd,
# busybox-static, Docker Engine), starts dockerd unless one answers, and runs the whole suite:
# unit tests, then the integration tests against real etcd, runc+conmon containers, the Docker
# Engine and the built distribution. CI runs exactly this.
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
"$repo/deploy/scripts/install-deps.sh" --test
# The docker driver's tests need a running engine; under CI=true they fail without one.
"$repo/deploy/scripts/start-dockerd.sh"
# The tests use the engine that start-dockerd.sh checked: DOCKER_HOST outranks a docker CLI context.
export DOCKER_HOST=${DOCKER_HOST:-unix:///var/run/docker.sock}
# A system etcd that the package may have started is not used: tests start their own.
cd "$repo"
exec mvn -B verify "$@"
