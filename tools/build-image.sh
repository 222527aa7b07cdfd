#!/usr/bin/env bash
# Build the lab images for one Debian release:
#   hastack-redis-lab:debian<N>-bare   systemd as PID 1 plus python3, nothing from
#                                      the stack: the roles install every package
#   hastack-redis-lab:debian<N>-stack  the same with the stack's Debian packages
#                                      already installed, so most scenarios skip
#                                      the downloads (the roles still run apt)
# Built from debian:<release> when that image is present (or, with
# LAB_PULL_BASE=1, can be pulled from the configured registry), otherwise from a
# debootstrap minbase rootfs of the Debian mirror apt already uses.
# Rebuilt only when this recipe changes (the recipe hash is an image label).
#
# usage: tools/build-image.sh bookworm|trixie
set -euo pipefail

suite="${1:?usage: $0 bookworm|trixie}"
case "$suite" in
    bookworm) version=12 ;;
    trixie) version=13 ;;
    *) echo "build-image: unknown Debian suite '$suite' (use bookworm or trixie)" >&2; exit 2 ;;
esac

image="${LAB_IMAGE_PREFIX:-hastack-redis-lab}:debian${version}-bare"
stack_image="${LAB_IMAGE_PREFIX:-hastack-redis-lab}:debian${version}-stack"
# What the roles install with the Redis flavour (Valkey scenarios use the bare image).
# nftables is the lab's own: the failover scenario and the bench cut networks with it.
stack_packages="redis-server redis-sentinel redis-tools haproxy socat hatop keepalived nginx openssl nftables"
packages="python3,python3-apt,systemd,systemd-sysv,dbus,iproute2,procps,ca-certificates,gpg,netcat-openbsd"
here="$(cd "$(dirname "$0")" && pwd)"
recipe="$( (cat "$0"; echo "$packages") | sha256sum | cut -c1-16)"

stack_recipe="$( (echo "$recipe"; echo "$stack_packages") | sha256sum | cut -c1-16)"

recipe_of() { docker image inspect -f '{{ index .Config.Labels "org.hastack.recipe" }}' "$1" 2>/dev/null || true; }

# The stack image: Debian's packages on top of the bare one. No service starts
# during the build (policy-rc.d); they start at the container's boot, as after
# an apt install on a real host. The emptied package lists are dated back so
# that the roles' apt tasks (cache_valid_time) update them.
build_stack() {
    if [[ "$(recipe_of "$stack_image")" == "$stack_recipe" ]]; then
        echo "build-image: $stack_image is up to date (recipe $stack_recipe)"
        return 0
    fi
    local dir
    dir="$(mktemp -d)"
    cat >"$dir/Dockerfile" <<DOCKERFILE
FROM $image
RUN printf '#!/bin/sh\\nexit 101\\n' >/usr/sbin/policy-rc.d && chmod 0755 /usr/sbin/policy-rc.d \\
 && apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y $stack_packages \\
 && rm -f /usr/sbin/policy-rc.d && apt-get clean && rm -rf /var/lib/apt/lists/* /var/lib/apt/periodic/update-success-stamp \\
 && touch -d 2000-01-01 /var/lib/apt/lists
LABEL org.hastack.recipe="$stack_recipe"
DOCKERFILE
    docker build -q -t "$stack_image" "$dir" >/dev/null 2>"$dir/build.log" || { cat "$dir/build.log" >&2; rm -rf "$dir"; exit 1; }
    rm -rf "$dir"
    echo "build-image: built $stack_image (recipe $stack_recipe)"
}

if [[ "$(recipe_of "$image")" == "$recipe" ]]; then
    echo "build-image: $image is up to date (recipe $recipe)"
    build_stack
    exit 0
fi

# The Debian mirror apt already uses on this host; containers use it too.
mirror="${DEBIAN_MIRROR:-}"
if [[ -z "$mirror" ]]; then
    mirror="$(grep -hoE '^(URIs:|deb) +https?://[^ ]+/debian/?( |$)' /etc/apt/sources.list /etc/apt/sources.list.d/*.sources /etc/apt/sources.list.d/*.list 2>/dev/null \
        | grep -oE 'https?://[^ ]+' | head -n1 || true)"
fi
mirror="${mirror:-http://deb.debian.org/debian}"

build_dir="$(mktemp -d)"
trap 'rm -rf "$build_dir"' EXIT

base=""
if docker image inspect "debian:${suite}" >/dev/null 2>&1 \
    || { [[ "${LAB_PULL_BASE:-0}" == 1 ]] && docker pull -q "debian:${suite}" >/dev/null 2>&1; }; then
    base="debian:${suite}"
fi

if [[ -n "$base" ]]; then
    echo "build-image: building $image from $base"
    cat >"$build_dir/Dockerfile" <<DOCKERFILE
FROM $base
RUN apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $(tr ',' ' ' <<<"$packages") && apt-get clean && rm -rf /var/lib/apt/lists/*
DOCKERFILE
else
    if ! command -v debootstrap >/dev/null 2>&1; then
        if [[ "$(id -u)" == 0 ]] && command -v apt-get >/dev/null 2>&1; then
            DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap >/dev/null
        else
            echo "build-image: debian:${suite} cannot be pulled and debootstrap is missing; install debootstrap (as root)" >&2
            exit 1
        fi
    fi
    echo "build-image: debootstrap $suite from $mirror (takes about a minute)"
    rootfs="$build_dir/rootfs"
    debootstrap --variant=minbase --include="$packages" "$suite" "$rootfs" "$mirror" >"$build_dir/debootstrap.log" 2>&1 || {
        tail -n 30 "$build_dir/debootstrap.log" >&2
        echo "build-image: debootstrap failed" >&2
        exit 1
    }
    # Container adjustments that every lab host needs, whatever the scenario.
    rm -f "$rootfs"/etc/machine-id "$rootfs"/var/lib/dbus/machine-id
    : >"$rootfs/etc/machine-id"
    # Units that cannot work in a container and only slow the boot down.
    for unit in systemd-udevd.service systemd-udev-trigger.service systemd-remount-fs.service \
        getty.target console-getty.service systemd-logind.service; do
        ln -sf /dev/null "$rootfs/etc/systemd/system/$unit"
    done
    rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/*
    tar -C "$rootfs" -c . | docker import -c 'CMD ["/lib/systemd/systemd"]' - "${image}-rootfs" >/dev/null
    base="${image}-rootfs"
    cat >"$build_dir/Dockerfile" <<DOCKERFILE
FROM $base
DOCKERFILE
fi

cat >>"$build_dir/Dockerfile" <<DOCKERFILE
ENV container=docker
STOPSIGNAL SIGRTMIN+3
LABEL org.hastack.recipe="$recipe"
CMD ["/lib/systemd/systemd"]
DOCKERFILE
docker build -q -t "$image" "$build_dir" >/dev/null 2>"$build_dir/build.log" || { cat "$build_dir/build.log" >&2; exit 1; }
docker image rm "${image}-rootfs" >/dev/null 2>&1 || true
echo "build-image: built $image (recipe $recipe)"
build_stack
