#!/usr/bin/env bash
# Debian packages that the first install of code-server (the end-to-end suite and
# `npm run studio`, see test/e2e/toolchain.ts) needs: it builds the workbench's native
# modules with node-gyp. Installs what is missing when run as root with apt-get, else
# names the command to run. Where there is no dpkg it checks nothing.
set -euo pipefail
command -v dpkg >/dev/null 2>&1 || exit 0
missing=()
for p in libkrb5-dev libxkbfile-dev libsecret-1-dev libx11-dev pkg-config python3 make g++; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" != "0" ] || ! command -v apt-get >/dev/null 2>&1; then
  echo "code-server's native modules need these Debian packages: run 'sudo apt-get install -y ${missing[*]}'" >&2
  exit 1
fi
echo "installing Debian packages for code-server's native modules: ${missing[*]}" >&2
# Another apt run (an unattended upgrade, a second job) may hold the lock for a while.
apt-get -o DPkg::Lock::Timeout=600 update -qq
DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -qq "${missing[@]}" >/dev/null
