#!/usr/bin/env bash
# Finds prometheus and promtool on PATH, or installs Debian's prometheus package when running as root;
# otherwise says what to do. The e2e tests start their own server on a random port: the package's
# service is kept from starting (a policy-rc.d that refuses every start, as in container images), and
# a server the install started anyway is stopped, so nothing is left running.
set -euo pipefail
if command -v prometheus >/dev/null 2>&1 && command -v promtool >/dev/null 2>&1; then
  exit 0
fi
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "prometheus/promtool not on PATH: installing Debian's prometheus"
  export DEBIAN_FRONTEND=noninteractive
  policy=/usr/sbin/policy-rc.d
  placed_policy=""
  if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\n# ensure-prometheus.sh: no service starts during this install\nexit 101\n' >"$policy"
    chmod 755 "$policy"
    placed_policy=yes
  fi
  before="$(pidof prometheus || true)"
  cleanup() {
    if [ -n "$placed_policy" ]; then rm -f "$policy"; fi
    # A server started by the install (not one that ran before it) is stopped again.
    for pid in $(pidof prometheus || true); do
      case " $before " in *" $pid "*) ;; *)
        if command -v systemctl >/dev/null 2>&1 && [ -d /run/systemd/system ]; then systemctl stop prometheus || true; fi
        kill "$pid" 2>/dev/null || true ;;
      esac
    done
    if command -v systemctl >/dev/null 2>&1 && [ -d /run/systemd/system ]; then systemctl disable prometheus >/dev/null 2>&1 || true; fi
  }
  trap cleanup EXIT
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends prometheus >/dev/null
  if command -v prometheus >/dev/null 2>&1 && command -v promtool >/dev/null 2>&1; then
    exit 0
  fi
fi
echo "prometheus and promtool are needed for e2e/prometheus.e2e.test.ts and were not found on PATH." >&2
echo "Install them (Debian/Ubuntu: sudo apt-get install prometheus) or put the release binaries on PATH." >&2
exit 1
