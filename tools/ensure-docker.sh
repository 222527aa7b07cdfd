#!/usr/bin/env bash
# Make sure a Docker engine answers. When none does and we are root on
# Debian/Ubuntu, install Debian's docker.io and start dockerd in the background.
set -euo pipefail

log_dir="${HASTACK_CACHE_DIR:-$(cd "$(dirname "$0")/.." && pwd)/.cache}"
timeout_s="${DOCKER_START_TIMEOUT:-60}"

if docker info >/dev/null 2>&1; then
    exit 0
fi

if [[ "$(id -u)" != 0 ]] || ! command -v apt-get >/dev/null 2>&1; then
    echo "ensure-docker: no Docker engine answers (docker info failed); start one, or run as root on Debian/Ubuntu to have it installed" >&2
    exit 1
fi

if ! command -v dockerd >/dev/null 2>&1; then
    echo "ensure-docker: installing docker.io from the distribution" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq docker.io >/dev/null
fi

mkdir -p "$log_dir"
echo "ensure-docker: starting dockerd (log: $log_dir/dockerd.log)" >&2
# In its own session, with no descriptor but the log: a dockerd that kept make's
# jobserver pipe (or the caller's output pipe) open would hold `make -j` (or
# whoever waits for that output to end) forever.
python3 -c 'import os, sys; os.setsid(); os.closerange(3, os.sysconf("SC_OPEN_MAX")); os.execvp("dockerd", ["dockerd"])' \
    </dev/null >"$log_dir/dockerd.log" 2>&1 &

for _ in $(seq "$timeout_s"); do
    if docker info >/dev/null 2>&1; then
        exit 0
    fi
    sleep 1
done
echo "ensure-docker: dockerd did not answer within ${timeout_s}s; see $log_dir/dockerd.log" >&2
exit 1
