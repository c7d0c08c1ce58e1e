import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { onExit, sh } from './cleanup.ts';

/**
 * A network namespace made for one test, with a unique name, removed by `remove()` and, if the
 * test dies first, at process exit. Nothing here ever touches the root namespace.
 */
export interface Netns {
  name: string;
  /** run a command inside the namespace; returns stdout */
  exec(cmd: string, args: string[]): string;
  /** `ip -n NAME ...` */
  ip(...args: string[]): string;
  /** `ip -j ...` parsed */
  ipJson<T = any>(...args: string[]): T;
  remove(): void;
}

const uid = () => `${process.pid.toString(36)}${randomBytes(3).toString('hex')}`;

/** A short unique suffix (for interface names, which may be at most 15 characters). */
export const shortId = () => randomBytes(3).toString('hex');

export function createNetns(tag = 't'): Netns {
  const name = `fn-${tag}-${uid()}`;
  sh('ip', ['netns', 'add', name]);
  const removeCleanup = onExit(`netns-${name}`, () => execFileSync('ip', ['netns', 'del', name], { stdio: 'ignore' }));
  sh('ip', ['-n', name, 'link', 'set', 'lo', 'up']);
  const ns: Netns = {
    name,
    exec: (cmd, args) => sh('ip', ['netns', 'exec', name, cmd, ...args]),
    ip: (...args) => sh('ip', ['-n', name, ...args]),
    ipJson: (...args) => JSON.parse(sh('ip', ['-n', name, '-j', ...args]) || 'null'),
    remove: () => {
      removeCleanup();
      try {
        sh('ip', ['netns', 'del', name]);
      } catch {
        // already gone
      }
    },
  };
  return ns;
}

/** A veth pair with one end in each namespace (both created down). */
export function vethPair(a: Netns, aName: string, b: Netns, bName: string): void {
  sh('ip', ['-n', a.name, 'link', 'add', aName, 'type', 'veth', 'peer', 'name', bName, 'netns', b.name]);
}

/** Runs `fn` with fresh namespaces and always removes them afterwards. */
export async function withNetns<T>(tags: string[], fn: (...ns: Netns[]) => Promise<T> | T): Promise<T> {
  const list = tags.map((t) => createNetns(t));
  try {
    return await fn(...list);
  } finally {
    for (const ns of list.reverse()) ns.remove();
  }
}
