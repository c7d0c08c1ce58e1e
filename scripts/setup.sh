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
command -v udhcpc >/dev/null || need+=(udhcpc)  # the agent's DHCPv4 client (busybox)
command -v dhclient >/dev/null || need+=(isc-dhcp-client)  # the agent's DHCPv6 client (dhclient -6)
command -v lldpd >/dev/null || need+=(lldpd)  # the agent's LLDP daemon (lldp: {enabled: true})
command -v wpa_supplicant >/dev/null || need+=(wpasupplicant)  # the agent's MACsec MKA supplicant (mka-cak/mka-ckn; VM tests copy it into the VM)
command -v rdisc6 >/dev/null || need+=(ndisc6)  # the agent's router solicitation when SLAAC turns on (slaac.test.ts)
command -v dnsmasq >/dev/null || need+=(dnsmasq-base)  # DHCP server of the DHCP tests (a peer namespace only; no service)
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

# The VM test host (`pnpm vm`, test/vm/): qemu, a static busybox for the guest's init, and Debian's
# cloud kernel unpacked (never installed: nothing goes into /boot or /lib/modules) into .cache/vm/.
# The kernel is resolved through the metapackage, so a new ABI is picked up without edits here.
vmneed=()
command -v qemu-system-x86_64 >/dev/null || vmneed+=(qemu-system-x86)
dpkg -s busybox-static >/dev/null 2>&1 || vmneed+=(busybox-static)
command -v mke2fs >/dev/null || vmneed+=(e2fsprogs)
command -v cpio >/dev/null || vmneed+=(cpio)
command -v depmod >/dev/null || vmneed+=(kmod)
if ((${#vmneed[@]})); then
  echo "setup: installing ${vmneed[*]}"
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${vmneed[@]}" >/dev/null
fi
vmcache=.cache/vm
kernel_image() {
  apt-cache show --no-all-versions linux-image-cloud-amd64 2>/dev/null \
    | sed -n 's/^Depends:.*\(linux-image-[0-9][^ ,]*-cloud-amd64\).*/\1/p' | head -n1
}
image=$(kernel_image)
# a fresh machine may have no package lists yet
if [ -z "$image" ]; then
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq && image=$(kernel_image)
fi
if [ -z "$image" ]; then
  echo "setup: cannot resolve linux-image-cloud-amd64 (apt-get update?); the VM tests will be skipped" >&2
elif [ "$(cat "$vmcache/kernel/package" 2>/dev/null)" != "$image" ]; then
  echo "setup: downloading $image for the VM test host"
  rm -rf "$vmcache/deb" && mkdir -p "$vmcache/deb"
  (cd "$vmcache/deb" && apt-get download -qq -o APT::Sandbox::User=root "$image" >/dev/null)
  rm -rf "$vmcache/kernel" && mkdir -p "$vmcache/kernel"
  dpkg-deb -x "$vmcache"/deb/"$image"_*.deb "$vmcache/kernel/tree"
  depmod -b "$vmcache/kernel/tree" "$(ls "$vmcache/kernel/tree/lib/modules")"
  echo "$image" > "$vmcache/kernel/package"
fi
