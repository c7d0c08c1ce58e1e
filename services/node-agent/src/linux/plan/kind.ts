import type { Interface } from '@fleetnet/contracts';

/**
 * What the linux planner knows about one kind of link it creates: one file per kind (veth.ts,
 * bridge.ts, ...), listed in kinds.ts. A new kind is a new file and one line there.
 */
export interface LinkKind {
  /** the `ip link add` line that creates `d` (its type is this kind) */
  createLine(d: Interface): string;
  /** interfaces below `i` in the stack, each with the field that names it (for errors) */
  lowers?(i: Interface): { name: string; field: string }[];
  /** must the existing link `a` be deleted and added again to reach `d`? (the kernel cannot change these in place) */
  needsRecreate?(d: Interface, a: Interface): boolean;
  /** the section a new link of this kind needs that the schema cannot require */
  required?: { field: keyof Interface & string; message: string };
  /** `ip` lines that change an existing link of this kind in place (before its ports and addresses) */
  configureInPlace?(d: Interface, a: Interface): string[];
  /** `ip` lines for its ports' own settings, run once they are its ports (`a`: undefined when new) */
  portSettings?(d: Interface, a: Interface | undefined): string[];
  /** `bridge` lines (for `bridge -batch -`) for its ports' VLANs, run after portSettings */
  bridgeLines?(d: Interface, a: Interface | undefined): string[];
  /** the links enslaved to it: what `d` wants (undefined: leave them), what `a` has */
  ports?: {
    wanted(d: Interface): string[] | undefined;
    current(a: Interface | undefined): string[];
    /** the kernel enslaves only ports that are down (bonds) */
    downFirst: boolean;
  };
}
