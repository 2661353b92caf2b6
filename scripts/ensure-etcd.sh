#!/usr/bin/env bash
# Finds etcd on PATH, or installs Debian's etcd-server when running as root; otherwise says what to do.
set -euo pipefail
if command -v etcd >/dev/null 2>&1; then
  exit 0
fi
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "etcd not on PATH: installing Debian's etcd-server"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends etcd-server etcd-client >/dev/null
  command -v etcd >/dev/null 2>&1 && exit 0
fi
echo "etcd is needed for the e2e tests and was not found on PATH." >&2
echo "Install it (Debian/Ubuntu: sudo apt-get install etcd-server) or run with a container runtime for testcontainers." >&2
exit 1
