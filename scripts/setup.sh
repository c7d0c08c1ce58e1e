#!/usr/bin/env bash
# Installs what fleetnet and its tests need on a Debian machine: the system packages (only those
# missing), pnpm, and the workspace. Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
command -v nats-server >/dev/null || need+=(nats-server)
command -v ovs-vsctl >/dev/null || need+=(openvswitch-switch)
command -v ip >/dev/null || need+=(iproute2)
command -v ping >/dev/null || need+=(iputils-ping)
if ((${#need[@]})); then
  echo "setup: installing ${need[*]}"
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
# The Debian package starts a system-wide OVS on some machines; fleetnet's tests run their own
# ovsdb-server/ovs-vswitchd per network namespace and do not need or touch it.

if ! command -v pnpm >/dev/null; then
  echo "setup: installing pnpm"
  npm install -g pnpm@9.15.9 >/dev/null 2>&1
fi
pnpm install --frozen-lockfile --reporter=silent
