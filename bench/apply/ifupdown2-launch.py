#!/usr/bin/python3
"""Runs ifupdown2 (unpacked from its Debian package, not installed) as `ifreload ARGS...`.

IFUPDOWN2_PKG is the unpacked /usr/share/ifupdown2 directory. One fix is applied in memory before
ifupdown2 starts: ifupdown2 3.0.0 creates a veth with `ip link add` and then configures it at once from
its netlink cache, which has usually not seen the new link yet; it then silently skips the MTU and the
addresses of that interface (and the post-up routes fail). Upstream has the same work-around for
tunnels (IPRoute2.__update_cache_after_link_creation) but not for veths. Here link_add_veth waits until
its own cache knows both ends, which is what a correct ifupdown2 would have to wait for anyway.
Nothing else is changed.
"""
import os
import sys
import time

pkg = os.environ["IFUPDOWN2_PKG"]
sys.path.insert(0, os.path.dirname(pkg))

from ifupdown2.lib.iproute2 import IPRoute2  # noqa: E402

_link_add_veth = IPRoute2.link_add_veth


def link_add_veth(self, ifname, peer_name):
    _link_add_veth(self, ifname, peer_name)
    deadline = time.monotonic() + 2.0
    while time.monotonic() < deadline and not (self.cache.link_exists(ifname) and self.cache.link_exists(peer_name)):
        time.sleep(0.0005)


IPRoute2.link_add_veth = link_add_veth

# ifupdown2 picks the operation from the program name.
sys.argv = ["ifreload"] + sys.argv[1:]
main = os.path.join(pkg, "__main__.py")
with open(main) as f:
    code = compile(f.read(), main, "exec")
exec(code, {"__name__": "__main__", "__file__": main})
