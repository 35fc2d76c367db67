#!/usr/bin/env bash
# Command 2 of the README: installs what the tests need (JDK, Maven, runc, conmon, etcd,
# busybox-static) and runs the whole suite: unit tests, then the integration tests against
# real etcd, runc+conmon containers and the built distribution. CI runs exactly this.
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
"$repo/deploy/scripts/install-deps.sh" --test
# A system etcd that the package may have started is not used: tests start their own.
cd "$repo"
exec mvn -B verify "$@"
