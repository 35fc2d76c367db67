#!/usr/bin/env bash
# Makes sure a Docker Engine answers on the socket, for the docker driver's tests (and the
# Testcontainers-based end-to-end tests): if none does, starts dockerd in the background
# (it outlives this script) and waits until `docker version` answers.
#   start-dockerd.sh        socket: $DOCKER_HOST if it is unix://..., else /var/run/docker.sock
# dockerd's output goes to $GANTRY_DOCKERD_LOG (default /tmp/gantry-dockerd.log). Fails, with the
# log's last lines, when the engine does not answer within 60s.
set -euo pipefail
sock=/var/run/docker.sock
if [[ "${DOCKER_HOST:-}" == unix://* ]]; then sock=${DOCKER_HOST#unix://}; fi
log=${GANTRY_DOCKERD_LOG:-/tmp/gantry-dockerd.log}

# DOCKER_HOST naming something else (tcp://, ssh://): the tests' docker CLI and driver go there, so a
# dockerd started here on the local socket would not be the one they use. Only check that it answers.
if [[ -n "${DOCKER_HOST:-}" && "$DOCKER_HOST" != unix://* ]]; then
  if docker version >/dev/null 2>&1; then exit 0; fi
  echo "start-dockerd: DOCKER_HOST=$DOCKER_HOST does not answer, and only an engine on a local unix socket can be started here" \
    "(unset DOCKER_HOST, or set it to unix:///var/run/docker.sock)" >&2
  exit 1
fi

answers() { docker -H "unix://$sock" version >/dev/null 2>&1; }

if answers; then
  exit 0
fi
for tool in docker dockerd; do
  if ! command -v "$tool" >/dev/null; then
    echo "start-dockerd: $tool not found (apt-get install docker.io)" >&2
    exit 1
  fi
done
if [[ $(id -u) -ne 0 ]]; then
  echo "start-dockerd: no Docker Engine answers on $sock, and starting dockerd needs root" >&2
  exit 1
fi
# A dockerd that was killed leaves its containerd's pid file behind; when that pid now belongs to
# another process, dockerd waits for a containerd that is not there and gives up after a timeout.
# dockerd's own pid file likewise: dockerd refuses to start while the pid in it exists, whatever
# process now has it ("pid file found, ensure docker is not running"). Only a file whose pid is not
# a containerd / dockerd is removed; a live one stays, and dockerd's refusal below says why.
remove_stale_pidfile() {   # FILE COMM
  local file=$1 comm=$2 pid
  [[ -f $file ]] || return 0
  pid=$(cat "$file" 2>/dev/null || true)
  if [[ -z $pid ]] || [[ "$(cat "/proc/$pid/comm" 2>/dev/null || true)" != "$comm" ]]; then
    echo "start-dockerd: removing stale $file (pid ${pid:-none} is not a running $comm)" >&2
    rm -f "$file"
  fi
}
remove_stale_pidfile /var/run/docker/containerd/containerd.pid containerd
remove_stale_pidfile /var/run/docker.pid dockerd
echo "start-dockerd: starting dockerd on $sock (log: $log)" >&2
# setsid: not in this shell's process group, so it survives the script and the Maven run.
setsid dockerd --host "unix://$sock" >>"$log" 2>&1 </dev/null &
pid=$!
for _ in $(seq 1 120); do
  if answers; then
    echo "start-dockerd: Docker Engine $(docker -H "unix://$sock" version --format '{{.Server.Version}} (API {{.Server.APIVersion}})') is up" >&2
    exit 0
  fi
  if ! kill -0 "$pid" 2>/dev/null; then
    echo "start-dockerd: dockerd exited; last lines of $log:" >&2
    tail -n 30 "$log" >&2 || true
    exit 1
  fi
  sleep 0.5
done
echo "start-dockerd: dockerd did not answer on $sock within 60s; last lines of $log:" >&2
tail -n 30 "$log" >&2 || true
exit 1
