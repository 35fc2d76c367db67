#!/usr/bin/env bash
# Command 1 of the README: from a fresh Debian/Ubuntu machine (as root) to a one-server
# Gantry cluster running the example web app with 3 replicas.
#   quickstart.sh          install, build, start `gantry dev`, deploy examples/web.yaml
#   quickstart.sh stop     stop the job and the dev cluster
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
work="$repo/.gantry"
dist="$repo/deploy/target/gantry-0.1.0-SNAPSHOT/gantry"
gantry="$dist/bin/gantry"
export GANTRY_ADDR=127.0.0.1:7420

stop_all() {
  if [[ -f "$work/dev.pid" ]] && kill -0 "$(cat "$work/dev.pid")" 2>/dev/null; then
    "$gantry" stop web >/dev/null 2>&1 || true
    sleep 2
    kill "$(cat "$work/dev.pid")" && echo "stopped gantry dev (pid $(cat "$work/dev.pid"))"
    rm -f "$work/dev.pid"
  else
    echo "gantry dev is not running"
  fi
}
if [[ "${1:-}" == "stop" ]]; then stop_all; exit 0; fi

step() { printf '\n==> %s\n' "$*"; }

step "Installing what is missing (JDK 17, Maven, runc, conmon, busybox-static)"
"$repo/deploy/scripts/install-deps.sh"

step "Building Gantry"
(cd "$repo" && mvn -q -B -DskipTests -DskipITs package)
echo "built $dist"

mkdir -p "$work"
step "Building the example image (busybox httpd, no registry needed)"
"$repo/deploy/scripts/build-example-image.sh" "$gantry" "$work/web-image.tar"

step "Starting gantry dev in the background (log: $work/dev.log)"
if [[ -f "$work/dev.pid" ]] && kill -0 "$(cat "$work/dev.pid")" 2>/dev/null; then
  echo "already running (pid $(cat "$work/dev.pid"))"
else
  nohup "$gantry" dev --data-dir "$work/data" >"$work/dev.log" 2>&1 &
  echo $! > "$work/dev.pid"
fi
for i in $(seq 1 60); do
  if "$gantry" nodes 2>/dev/null | grep -q ready; then break; fi
  if ! kill -0 "$(cat "$work/dev.pid")" 2>/dev/null; then
    echo "gantry dev exited; its log:" >&2; tail -30 "$work/dev.log" >&2; exit 1
  fi
  sleep 1
done
"$gantry" nodes

step "Deploying examples/web.yaml (3 replicas)"
sed "s|image: .*|image: file:$work/web-image.tar|" "$dist/examples/web.yaml" > "$work/web.yaml"
"$gantry" run -f "$work/web.yaml" --wait --timeout 120s >/dev/null

step "gantry status web"
"$gantry" status web

step "One HTTP response from each replica"
# Plain bash (/dev/tcp), so a fresh machine needs no HTTP client.
http_get() {
  exec 3<>"/dev/tcp/127.0.0.1/$1"
  printf 'GET / HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n' >&3
  sed '1,/^\r$/d' <&3
  exec 3<&-
}
for port in $("$gantry" status web -o json | grep -o '"value": [0-9]*' | grep -o '[0-9]*'); do
  printf 'http://127.0.0.1:%s/  ->  ' "$port"
  http_get "$port"
done

cat <<EOT

Gantry is running the example app. Try:
  export PATH=$dist/bin:\$PATH GANTRY_ADDR=$GANTRY_ADDR
  gantry ps                 # every allocation
  gantry logs web           # the replicas' output
  gantry nodes              # the dev node and what it holds
To stop it all:
  $repo/deploy/scripts/quickstart.sh stop
EOT
