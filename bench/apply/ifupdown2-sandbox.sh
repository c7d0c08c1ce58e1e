#!/bin/sh
# Runs ifupdown2 inside the bench's network namespace AND a private mount namespace:
#   ip netns exec NS unshare -m --propagation private sh ifupdown2-sandbox.sh ETC_NETWORK LAUNCHER ARGS...
# Nothing mounted here is seen outside. ifupdown2 gets its own /etc/network (the generated interfaces
# file and its own config, none of this machine's if-*.d hook scripts), an empty /run (its lock and
# state under /run/network) and /var/tmp (its state_dir). modprobe is replaced by `true`: ifupdown2's
# bond addon runs `modprobe bonding` at start, which would load a module into the host's kernel.
set -e
etc="$1"
launcher="$2"
shift 2
mount --bind "$etc" /etc/network
mount -t tmpfs fleetnet-bench /run
mkdir -p /run/network
mount -t tmpfs fleetnet-bench /var/tmp
for m in /sbin/modprobe /usr/sbin/modprobe /bin/modprobe /usr/bin/modprobe; do
  if [ -e "$m" ]; then mount --bind /bin/true "$m"; fi
done
exec /usr/bin/python3 "$launcher" "$@"
