#!/usr/bin/env bash
# Build the collection tarball from the checkout and install it, as a user
# would, into an empty collections path: install-collection.sh DIR
# (the topology scenario then runs with ANSIBLE_COLLECTIONS_PATH=DIR only).
# install-collection.sh DIR TARBALL installs a given tarball instead (the
# failover scenario deploys the previous release with it).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
target="${1:?usage: install-collection.sh DIR [TARBALL]}"
build="$(mktemp -d)"
trap 'rm -rf "$build"' EXIT
log="$build/log"
run() { "$@" >"$log" 2>&1 || { cat "$log" >&2; exit 1; }; }
if [ -n "${2:-}" ]; then
  cp "$2" "$build/"
else
  run ansible-galaxy collection build --force --output-path "$build" "$root"
fi
rm -rf "$target"
mkdir -p "$target"
# No other path: a copy elsewhere (e.g. ~/.ansible/collections) must not answer
# for it, nor make ansible-galaxy answer "Nothing to do" (hence --force).
ANSIBLE_COLLECTIONS_PATH="$target" run ansible-galaxy collection install --offline --no-deps --force \
  -p "$target" "$build"/hastack-redis-*.tar.gz
test -f "$target/ansible_collections/hastack/redis/MANIFEST.json"
echo "install-collection: $(basename "$build"/hastack-redis-*.tar.gz) installed into $target"
