#!/usr/bin/env bash
# Install Debian packages the tests need on the controller (root on Debian/Ubuntu).
set -euo pipefail
if [[ "$(id -u)" != 0 ]] || ! command -v apt-get >/dev/null 2>&1; then
    echo "install-host-packages: need these packages on the controller: $*; run as root on Debian/Ubuntu or install them" >&2
    exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# Debian's maintainer scripts must not start the packaged services on the controller.
policy=/usr/sbin/policy-rc.d
created=0
if [[ ! -e "$policy" ]]; then
    printf '#!/bin/sh\nexit 101\n' >"$policy"
    chmod +x "$policy"
    created=1
fi
apt-get install -y -qq --no-install-recommends "$@" >/dev/null
if [[ "$created" == 1 ]]; then rm -f "$policy"; fi
