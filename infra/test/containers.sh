#!/usr/bin/env bash
# The containers, really run (`pnpm test:containers`; CI runs it after the tests): on a Debian 12
# machine with no registry, installs podman, makes the base images (Debian by debootstrap, this
# machine's Node copied in; Redis and PostgreSQL from Debian's packages as stand-ins for the compose
# file's images), builds the three service images from their Dockerfiles through docker-compose.yml,
# starts the system from them, waits for every health check, takes the first API key from the gateway's
# log, reads a real UK plate over HTTP and checks it against the photo's label, scales the inference
# worker to two and checks that both take jobs, checks each image's size against its base, and tears
# down what it started, by id. Prints each step's time.
#
# Needs root (apt-get, podman) and the dev photos (../shared/data/plates, or NPR_SHARED).
# Settings (environment): GATEWAY_PORT (3100: the only host port it binds), SYNC_TIMEOUT_MS (120000
# here, see below), NPR_CONTAINERS_CACHE
# (/var/lib/npr-containers: the debootstrap tree; the base images stay in podman's store, so a rerun
# on the same machine skips them), NPR_KEEP_IMAGES=1 (keep this run's service images and build layers).
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT="$PWD"
HERE="$ROOT/infra/test/containers"
export CONTAINERS_CONF="$HERE/containers.conf"
CACHE="${NPR_CONTAINERS_CACHE:-/var/lib/npr-containers}"
export GATEWAY_PORT="${GATEWAY_PORT:-3100}"
export NPR_TAG="ci"
# the first request meets cold Prisma query compilers in the gateway and vehicle-lookup; on a loaded
# 2-core machine it took 25 s, close to the compose default of 30 s after which the API answers 202
export SYNC_TIMEOUT_MS="${SYNC_TIMEOUT_MS:-120000}"
PROJECT="npr-ci-$$"
SHARED="${NPR_SHARED:-$ROOT/../shared}"
PHOTO_FILE="images/uk/robmarkcole__HASS-plate-recognizer/dev_car.jpg"
SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
compose() { pnpm --silent exec tsx "$HERE/compose-podman.ts" -p "$PROJECT" "${IMAGE_MAP[@]}" "$@"; }

STEPS=()
step() {
  local name="$1"; shift
  local t0; t0=$(date +%s.%N)
  echo; echo "=== $name"
  CURRENT="$name"
  "$@"
  local dt; dt=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')
  STEPS+=("$name|$dt")
  echo "=== $name: ${dt} s"
}
report() {
  local code="$1"
  echo
  echo "| step | seconds |"
  echo "| --- | ---: |"
  for s in "${STEPS[@]}"; do echo "| ${s%%|*} | ${s##*|} |"; done
  if [ "$code" -ne 0 ]; then echo "containers: FAILED in step '${CURRENT:-setup}' (exit $code)"; fi
  exit "$code"
}
teardown() {
  local code=$?
  if [ -n "${STARTED:-}" ]; then
    echo; echo "=== tear down (by label npr.compose.project=$PROJECT)"
    compose down || code=1
    left=$(podman ps -a -q --filter "label=npr.compose.project=$PROJECT")
    [ -z "$left" ] || { echo "containers: still there after down: $left"; code=1; }
  fi
  [ -n "${IMAGES_REMOVED:-}" ] || remove_images || code=1
  rm -rf "$GPU_CHECK_DIR"
  report "$code"
}
BUILT_IDS=()
trap teardown EXIT

# this run's service images, by id, and the build layers no longer used (all labelled
# npr.compose.built=true); the base images and the build stage they share (tagged $BUILD_CACHE:
# pnpm's store and the install) stay, so a rerun on this machine is fast
remove_images() {
  IMAGES_REMOVED=1
  [ "${NPR_KEEP_IMAGES:-}" != 1 ] || return 0
  [ ${#BUILT_IDS[@]} -eq 0 ] || podman rmi -f "${BUILT_IDS[@]}" >/dev/null
  podman image prune -f --filter label=npr.compose.built=true >/dev/null
}

install_podman() {
  local need=()
  for c in podman runc conmon debootstrap; do command -v "$c" >/dev/null 2>&1 || need+=("$c"); done
  [ -x /usr/lib/podman/netavark ] || need+=(netavark)
  [ -x /usr/lib/podman/aardvark-dns ] || need+=(aardvark-dns)
  command -v iptables >/dev/null 2>&1 || need+=(iptables)
  if [ ${#need[@]} -gt 0 ]; then
    echo "apt-get install ${need[*]}"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
  fi
  podman --version
}

# content-addressed tags: a changed Containerfile (or another Node) makes a new image, never a stale hit
tag_of() { cat "$@" | sha256sum | cut -c1-12; }

base_images() {
  NODE_BIN="$(readlink -f "$(command -v node)")"
  NODE_VERSION="$(node -p process.versions.node)"
  DEBIAN_IMAGE="localhost/npr-base/debian:bookworm-minbase"
  NODE_IMAGE="localhost/npr-base/node:${NODE_VERSION}-$(tag_of "$HERE/node.Containerfile" "$NODE_BIN")"
  REDIS_IMAGE="localhost/npr-standin/redis:bookworm-$(tag_of "$HERE/redis.Containerfile")"
  POSTGRES_IMAGE="localhost/npr-standin/postgres:bookworm-$(tag_of "$HERE/postgres.Containerfile" "$HERE/postgres-entrypoint.sh")"
  if ! podman image exists "$DEBIAN_IMAGE"; then
    local tree="$CACHE/bookworm-minbase"
    $SUDO mkdir -p "$CACHE"
    $SUDO rm -rf "$tree.tmp"
    echo "debootstrap --variant=minbase bookworm (from this machine's Debian mirror)"
    local mirror
    mirror="$(cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources 2>/dev/null \
      | grep -oE '^(URIs: *|deb +)http\S+' | grep -v security | head -1 | awk '{print $2}' || true)"
    $SUDO debootstrap --variant=minbase bookworm "$tree.tmp" "${mirror:-http://deb.debian.org/debian}" >"$CACHE/debootstrap.log" 2>&1 \
      || { tail -20 "$CACHE/debootstrap.log"; return 1; }
    # the package downloads are not part of the system
    $SUDO rm -rf "$tree.tmp"/var/cache/apt/archives/*.deb "$tree.tmp"/var/lib/apt/lists/*
    $SUDO rm -rf "$tree" && $SUDO mv "$tree.tmp" "$tree"
    $SUDO tar -C "$tree" -c . | podman import -q --change 'CMD ["/bin/bash"]' - "$DEBIAN_IMAGE" >/dev/null
  fi
  if ! podman image exists "$NODE_IMAGE"; then
    echo "Node $NODE_VERSION from $NODE_BIN"
    local ctx; ctx="$(mktemp -d)"
    cp "$NODE_BIN" "$ctx/node"
    cp -a "$(npm root -g)/npm" "$ctx/npm"
    cp -a "$(dirname "$NODE_BIN")/../include/node" "$ctx/include"
    cp /etc/ssl/certs/ca-certificates.crt "$ctx/"
    podman build -q --format docker --network host --build-arg DEBIAN_IMAGE="$DEBIAN_IMAGE" -f "$HERE/node.Containerfile" -t "$NODE_IMAGE" "$ctx" >/dev/null
    rm -rf "$ctx"
  fi
  podman image exists "$REDIS_IMAGE" \
    || podman build -q --format docker --network host --build-arg DEBIAN_IMAGE="$DEBIAN_IMAGE" -f "$HERE/redis.Containerfile" -t "$REDIS_IMAGE" "$HERE" >/dev/null
  podman image exists "$POSTGRES_IMAGE" \
    || podman build -q --format docker --network host --build-arg DEBIAN_IMAGE="$DEBIAN_IMAGE" -f "$HERE/postgres.Containerfile" -t "$POSTGRES_IMAGE" "$HERE" >/dev/null
  echo "NODE_IMAGE=$NODE_IMAGE: $(podman run --rm "$NODE_IMAGE" node --version)"
  echo "redis stand-in for redis:7.2-alpine: $REDIS_IMAGE: $(podman run --rm "$REDIS_IMAGE" redis-server --version | grep -o 'v=[0-9.]*')"
  echo "postgres stand-in for postgres:16-alpine: $POSTGRES_IMAGE: $(podman run --rm "$POSTGRES_IMAGE" postgres --version)"
  IMAGE_MAP=(--image "redis:7.2-alpine=$REDIS_IMAGE" --image "postgres:16-alpine=$POSTGRES_IMAGE")
}
IMAGE_MAP=()

BUILD_CACHE="localhost/npr-ci/build-cache:latest"
# the GPU stage check's placeholder provider files (see gpu_target_stages), made before the builds so that
# every build sees the same context and the GPU build reuses their build stage (git-ignored; removed at the end)
GPU_CHECK_DIR="$ROOT/.gpu-stage-check"
build_services() {
  mkdir -p "$GPU_CHECK_DIR"
  touch "$GPU_CHECK_DIR/libonnxruntime_providers_cuda.so" "$GPU_CHECK_DIR/libonnxruntime_providers_shared.so"
  compose build --build-arg "NODE_IMAGE=$NODE_IMAGE"
  for s in gateway inference-worker vehicle-lookup; do BUILT_IDS+=("$(podman image inspect --format '{{.Id}}' "localhost/npr/$s:$NPR_TAG")"); done
  # the build stage they share (pnpm fetch + install), tagged so that pruning keeps it: the same flags
  # as the runner's build, so every layer comes from its cache
  podman build -q --format docker --network host -f services/gateway/Dockerfile --target build \
    --build-arg "NODE_IMAGE=$NODE_IMAGE" --label npr.compose.built=true -t "$BUILD_CACHE" . >/dev/null
}

# The GPU target's stages and paths (onnxruntime-node found under @npr/recognition, the provider files
# put where it loads them, the Node binary and the app copied onto the CUDA base): built with empty
# placeholder provider files and the Debian base standing in for CUDA_IMAGE, since neither the CUDA
# provider (api.nuget.org) nor a CUDA image (a registry) is reachable here. It checks the Dockerfile,
# not CUDA; the image is removed at once.
gpu_target_stages() {
  local id
  id=$(podman build -q --format docker --network host -f services/inference-worker/Dockerfile --target gpu \
    --build-arg "NODE_IMAGE=$NODE_IMAGE" --build-arg "CUDA_IMAGE=$DEBIAN_IMAGE" \
    --build-arg "ORT_CUDA_PROVIDERS=$(basename "$GPU_CHECK_DIR")" --label npr.compose.built=true .)
  podman run --rm "$id" sh -c 'node --version && ls /app/models && find /app/node_modules/.pnpm -name "libonnxruntime_providers_*.so"'
  [ "$(podman image inspect --format '{{.Config.Env}}' "$id" | grep -o 'INFERENCE_DEVICE=cuda')" = INFERENCE_DEVICE=cuda ]
  podman rmi -f "$id" >/dev/null
}

start_system() {
  STARTED=1
  compose up
}

first_key() {
  API_KEY="$(compose logs gateway | grep -oE 'npr_live_[A-Za-z0-9_-]+' | head -1)"
  [ -n "$API_KEY" ] || { echo "no API key in the gateway's log"; return 1; }
  echo "first key: ${API_KEY:0:17}..."
}

# POST the photo, check the answer's first plate against the photo's label in dev.jsonl
recognise() {
  local body="$1"
  curl -sS -X POST "http://127.0.0.1:$GATEWAY_PORT/api/v1/recognise" -H "Authorization: Bearer $API_KEY" \
    -F "upload=@$SHARED/data/plates/$PHOTO_FILE" -w '\n%{http_code} %{time_total}\n' >"$body"
  node -e '
    const fs = require("fs");
    const [bodyFile, labels, file] = process.argv.slice(1);
    const [json, answer] = fs.readFileSync(bodyFile, "utf8").trim().split("\n");
    const [status, seconds] = answer.split(" ");
    const label = fs.readFileSync(labels, "utf8").split("\n").filter(Boolean).map(JSON.parse).find((l) => l.file === file);
    const want = label.plates.map((p) => p.text);
    const got = (JSON.parse(json).results ?? []).map((r) => r.plate.replace(/[^A-Za-z0-9]/g, "").toUpperCase());
    const ok = status === "200" && want.length === 1 && got[0] === want[0];
    console.log(`${status} in ${Number(seconds).toFixed(1)} s: ${ok ? "read" : "WRONG:"} ${JSON.stringify(got)} (label ${JSON.stringify(want)})`);
    process.exit(ok ? 0 : 1);
  ' "$body" "$SHARED/data/plates/dev.jsonl" "$PHOTO_FILE"
}

read_plate() {
  [ -f "$SHARED/data/plates/$PHOTO_FILE" ] || { echo "no dev photo at $SHARED/data/plates/$PHOTO_FILE (set NPR_SHARED)"; return 1; }
  WORK="$(mktemp -d)"
  recognise "$WORK/first.json"
}

jobs_done() { # jobs a worker container finished, from its own /metrics
  podman exec "$1" node -e "fetch('http://127.0.0.1:3001/metrics').then(r=>r.text()).then(t=>console.log(t.split('\n').filter(l=>l.startsWith('npr_job_duration_seconds_count')).reduce((n,l)=>n+Number(l.split(' ').pop()),0)))"
}

scale_workers() {
  compose scale inference-worker 2
  mapfile -t WORKERS < <(compose ids inference-worker)
  [ ${#WORKERS[@]} -eq 2 ] || { echo "expected 2 inference workers, have ${#WORKERS[@]}"; return 1; }
  local before=() after=() i pids=()
  for w in "${WORKERS[@]}"; do before+=("$(jobs_done "$w")"); done
  for i in $(seq 1 8); do recognise "$WORK/scaled-$i.json" & pids+=($!); done
  for p in "${pids[@]}"; do wait "$p"; done
  for w in "${WORKERS[@]}"; do after+=("$(jobs_done "$w")"); done
  echo "jobs per worker while 8 requests ran at once: $(( after[0] - before[0] )) and $(( after[1] - before[1] ))"
  [ $(( after[0] - before[0] )) -gt 0 ] && [ $(( after[1] - before[1] )) -gt 0 ] || { echo "one worker took no job"; return 1; }
}

image_sizes() {
  local base; base=$(podman image inspect --format '{{.Size}}' "$NODE_IMAGE")
  echo "| image | MB | x base |"
  echo "| --- | ---: | ---: |"
  echo "| $NODE_IMAGE (base) | $(( base / 1000000 )) | 1.00 |"
  local fail=0
  for s in gateway inference-worker vehicle-lookup; do
    local size; size=$(podman image inspect --format '{{.Size}}' "localhost/npr/$s:$NPR_TAG")
    local ratio; ratio=$(awk -v a="$size" -v b="$base" 'BEGIN { printf "%.2f", a / b }')
    echo "| npr/$s | $(( size / 1000000 )) | $ratio |"
    awk -v r="$ratio" 'BEGIN { exit !(r > 1.5) }' && { echo "npr/$s is over 1.5x its base"; fail=1; }
  done
  return $fail
}

tear_down() {
  compose down
  STARTED=""
  local left; left=$(podman ps -a -q --filter "label=npr.compose.project=$PROJECT")
  [ -z "$left" ] || { echo "still there: $left"; return 1; }
  ! podman network exists "${PROJECT}_default" || { echo "network ${PROJECT}_default still there"; return 1; }
  echo "removed every container, volume and the network labelled npr.compose.project=$PROJECT"
}

step "install podman" install_podman
step "base images" base_images
step "build service images" build_services
step "start the system" start_system
step "first API key from the gateway's log" first_key
step "read a UK plate over HTTP" read_plate
step "scale the worker to two" scale_workers
step "image sizes" image_sizes
step "GPU target: stages and paths only" gpu_target_stages
step "tear down" tear_down
step "remove this run's images" remove_images
rm -rf "${WORK:-}"
