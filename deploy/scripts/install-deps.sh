#!/usr/bin/env bash
# Installs what Gantry needs from the distribution's packages, skipping what is present.
#   install-deps.sh          build + run: JDK 17, Maven, runc, conmon, busybox-static, iproute2, and the
#                            standard CNI plugins for bridge networking (containernetworking-plugins, in
#                            /usr/lib/cni) with iptables, which portmap and firewall program
#   install-deps.sh --test   also what the test suite needs: etcd server and client, docker-registry,
#                            Docker Engine (docker.io: the docker driver's tests; start-dockerd.sh starts it),
#                            procps (kill, pkill: the fault tests signal processes)
set -euo pipefail

want=(openjdk-17-jdk-headless maven runc conmon busybox-static iproute2 iptables containernetworking-plugins)
if [[ "${1:-}" == "--test" ]]; then
  want+=(etcd-server etcd-client docker-registry docker.io procps)
fi

# A Docker Engine or runc installed otherwise (Docker's own docker-ce / containerd.io packages, which
# conflict with Debian's docker.io and runc) counts as present.
provided_otherwise() {
  case $1 in
    docker.io) command -v dockerd >/dev/null ;;
    runc) command -v runc >/dev/null || [[ -x /usr/sbin/runc ]] ;;
    *) return 1 ;;
  esac
}

missing=()
for p in "${want[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" && continue
  if provided_otherwise "$p"; then
    echo "install-deps: $p not installed, but its command is present; using that" >&2
    continue
  fi
  missing+=("$p")
done
if ((${#missing[@]})); then
  if [[ $(id -u) -ne 0 ]]; then
    echo "install-deps: need root to install: ${missing[*]} (run with sudo)" >&2
    exit 1
  fi
  echo "install-deps: installing ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
# Debian's etcd-server package starts a system etcd; the tests start their own on free ports.
java -version 2>&1 | head -1 >&2
