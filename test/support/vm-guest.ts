/**
 * The three programs that run inside the VM, kept as text here because they are written onto the
 * VM's disks (see vm-image.ts), never run on this machine.
 */

/** initramfs /init: load the virtio modules, mount the ext4 root (/dev/vda), hand over to it. */
export const INITRAMFS_INIT = `#!/bin/busybox sh
/bin/busybox mkdir -p /proc /sys /dev /newroot
/bin/busybox mount -t devtmpfs dev /dev
/bin/busybox echo FLEETNET-INITRAMFS > /dev/ttyS0
/bin/busybox mount -t proc proc /proc
/bin/busybox mount -t sysfs sys /sys
for m in /m/*.ko; do /bin/busybox insmod "$m" || echo "initramfs: insmod $m failed" > /dev/ttyS0; done
i=0; while [ ! -b /dev/vda ] && [ $i -lt 100 ]; do /bin/busybox sleep 0.05; i=$((i+1)); done
/bin/busybox mount -t ext4 /dev/vda /newroot || { echo "initramfs: no root disk" > /dev/ttyS0; /bin/busybox poweroff -f; }
/bin/busybox umount /proc /sys
/bin/busybox mount --move /dev /newroot/dev
exec /bin/busybox switch_root /newroot /sbin/fleetnet-init
`;

/**
 * /sbin/fleetnet-init, PID 1 of the root image. NICs are found by MAC (set by the host): 52:54:00:f0
 * is the uplink (eth0, qemu user networking), 52:54:00:f1:00:0N the test NIC ethN, 52:54:00:f2:00:0N
 * its hidden peer, moved into the namespace "peer" as pN. Then the per-boot disk (/dev/vdb) gives
 * the bundles, the --file copies and boot.env; the command server talks to the host on the
 * virtio-serial port "fleetnet.ctl".
 */
export const GUEST_INIT = `#!/bin/sh
export PATH=/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/root
mount -t proc proc /proc
mount -t sysfs sys /sys
mkdir -p /dev/pts /dev/shm && mount -t devpts devpts /dev/pts && mount -t tmpfs tmpfs /dev/shm
mount -t tmpfs tmpfs /run && mkdir -p /run/netns
mount -t tmpfs tmpfs /tmp
hostname fleetnet-vm
ip link set lo up
for d in /sys/class/net/*; do
  n=\${d##*/}; mac=$(cat "$d/address")
  case "$mac" in 52:54:00:f[012]:*) ip link set "$n" name "t$(echo "$mac" | tr -d : | cut -c7-12)";; esac
done
ip netns add peer
ip -n peer link set lo up
for d in /sys/class/net/tf*; do
  n=\${d##*/}; kind=$(echo "$n" | cut -c2-3); idx=$((0x$(echo "$n" | cut -c6-7)))
  case "$kind" in
    f0) ip link set "$n" name eth0 ;;
    f1) ip link set "$n" name "eth$idx" ;;
    f2) ip link set "$n" netns peer && ip -n peer link set "$n" name "p$idx" && ip -n peer link set "p$idx" up ;;
  esac
done
# no SLAAC from qemu's router: addresses with lifetimes would make two reads of the kernel differ
echo 0 > /proc/sys/net/ipv6/conf/eth0/accept_ra
ip addr add 10.0.2.15/24 dev eth0 && ip link set eth0 up && ip route add default via 10.0.2.2
mount -t ext4 /dev/vdb /mnt/boot
. /mnt/boot/boot.env
cp /mnt/boot/dist/*.cjs /opt/fleetnet/ 2>/dev/null
if [ -f /mnt/boot/files.list ]; then
  while IFS='\t' read -r src dest; do
    mkdir -p "$(dirname "$dest")" && cp -a "/mnt/boot/files/$src" "$dest"
  done < /mnt/boot/files.list
fi
port=""
for p in /sys/class/virtio-ports/*; do [ "$(cat "$p/name" 2>/dev/null)" = fleetnet.ctl ] && port=/dev/\${p##*/}; done
echo "FLEETNET-READY ctl=$port" > /dev/ttyS0
# its own errors go to the console log, or to a file when a person is on the console
log=/dev/ttyS0; [ "$CONSOLE_SHELL" = 1 ] && log=/tmp/guest-server.log
node /opt/fleetnet/guest-server.cjs "$port" > "$log" 2>&1 &
if [ "$CONSOLE_SHELL" = 1 ]; then
  while :; do
    setsid cttyhack bash -l
    [ "$POWEROFF_ON_EXIT" = 1 ] && poweroff -f
  done
fi
while :; do sleep 3600; done
`;

/**
 * The command server (plain CommonJS: run by the VM's node without a build). Reads one JSON request
 * per line from the control port, {id, cmd} (run with sh -c) or {id, ping}, and answers with
 * {id, o} / {id, e} chunks (base64 stdout / stderr) and finally {id, code}. Requests run
 * concurrently; a line that does not parse (a host that reconnected mid-line) is ignored.
 */
export const GUEST_SERVER = `'use strict';
const fs = require('fs');
const { spawn } = require('child_process');
const port = process.argv[2];
// a virtio port opens only once: one fd for both directions
const fd = fs.openSync(port, 'r+');
// writes in order, one at a time
const queue = [];
let writing = false;
function flush() {
  if (writing || !queue.length) return;
  writing = true;
  fs.write(fd, queue.shift(), () => { writing = false; flush(); });
}
const send = (m) => { queue.push(Buffer.from(JSON.stringify(m) + '\\n')); flush(); };
let buf = '';
function handle(line) {
  let req;
  try { req = JSON.parse(line); } catch { return; }
  if (req.ping) return send({ id: req.id, pong: true });
  const env = Object.assign({}, process.env, req.env || {});
  const child = spawn('/bin/sh', ['-c', req.cmd], { env, cwd: '/root', stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout.on('data', (d) => send({ id: req.id, o: d.toString('base64') }));
  child.stderr.on('data', (d) => send({ id: req.id, e: d.toString('base64') }));
  child.on('error', (err) => send({ id: req.id, e: Buffer.from(String(err) + '\\n').toString('base64'), code: 127 }));
  child.on('close', (code, signal) => send({ id: req.id, code: code === null ? 128 + (require('os').constants.signals[signal] || 0) : code }));
}
fs.createReadStream(null, { fd, autoClose: false }).on('data', (d) => {
  buf += d.toString('utf8');
  for (let i = buf.indexOf('\\n'); i >= 0; i = buf.indexOf('\\n')) {
    const line = buf.slice(0, i);
    buf = buf.slice(i + 1);
    if (line.trim()) handle(line);
  }
});
`;
