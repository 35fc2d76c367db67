#!/usr/bin/env bash
# Builds the example web image (busybox httpd) as a local OCI image archive, without Docker
# or a registry: a root filesystem in a temp dir, packed by `gantry image pack`.
#   build-example-image.sh GANTRY_BIN OUTPUT.tar
set -euo pipefail
gantry=$1
out=$2
root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT

mkdir -p "$root/bin" "$root/etc" "$root/tmp" "$root/www"
cp /bin/busybox "$root/bin/busybox"
for cmd in sh httpd mkdir echo cat ls sleep env wget hostname kill; do
  ln -s busybox "$root/bin/$cmd"
done
printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/sh\n' > "$root/etc/passwd"
printf 'root:x:0:\nnogroup:x:65534:\n' > "$root/etc/group"
cat > "$root/bin/serve" <<'SCRIPT'
#!/bin/sh
# Serves one page that says which replica answered, on the port Gantry allocated.
mkdir -p /tmp/www
echo "hello from gantry: job ${GANTRY_JOB} replica ${GANTRY_ALLOC_INDEX} (allocation ${GANTRY_ALLOC_ID}) on node ${GANTRY_NODE}" > /tmp/www/index.html
echo "serving on port ${GANTRY_PORT_HTTP:-8080}"
# httpd runs as a child: PID 1 in a container has no default signal handlers, so the
# shell handles SIGTERM and Gantry's stop is quick instead of waiting for SIGKILL.
httpd -f -v -p "${GANTRY_PORT_HTTP:-8080}" -h /tmp/www &
trap 'kill $!; exit 0' TERM INT
wait
SCRIPT
chmod 755 "$root/bin/serve"
chmod 1777 "$root/tmp"

"$gantry" image pack --from "$root" --entrypoint /bin/serve --ref example/web:1 -o "$out"
