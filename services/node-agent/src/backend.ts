import type { NetworkState } from '@fleetnet/contracts';

/**
 * What every backend (linux, ovs, sriov, dns; the simulator of @fleetnet/sim) provides to the reconciler. A backend owns one
 * kind of host configuration: it reads it, plans changes to it as pure data, and executes a plan.
 *
 * Execution order across backends is fixed by stage, because layers depend on each other:
 *   linux-remove   upper Linux links removed first (vlans, macvlans, bridges going away)
 *   linux-create   Linux links created (veth, bridge, vlan, ...) so OVS can attach them
 *   ovs            one ovs-vsctl transaction: bridges, ports, bonds, tags, internal ports
 *   linux-configure  masters, MTU, MAC, addresses, up/down, routes — also on OVS internal ports
 *   macsec         MACsec MKA: one wpa_supplicant per macsec link with mka-cak/mka-ckn started (waiting until it secures the link) or stopped
 *   dhcp           DHCPv4 clients started (waiting for the lease) or stopped, once the links are up
 *   lldp           the host's one lldpd (re)started on the interfaces with LLDP on, or stopped
 *   sriov          sysfs writes: VF count, per-VF settings, driver binding
 *   dns            resolv.conf replaced atomically
 */
export const STAGES = ['linux-remove', 'linux-create', 'ovs', 'linux-configure', 'macsec', 'dhcp', 'lldp', 'sriov', 'dns'] as const;
export type Stage = (typeof STAGES)[number];

/** What the reconciler needs of any operation; each backend adds what it executes. */
export interface OperationBase {
  /** the backend that executes it */
  backend: string;
  stage: Stage;
  /** the interface, route or file this operation changes; what the checkpoint records */
  target: string;
  /** one line a person reads in `fleetnet-agent plan` */
  description: string;
}

export type Operation =
  | (OperationBase & {
      backend: 'linux';
      /** one line of `ip -batch -`, or of `bridge -batch -` when tool is 'bridge' (port VLANs) */
      line: string;
      tool?: 'bridge';
    })
  | (OperationBase & { backend: 'ovs'; /** one ovs-vsctl command, joined with `--` into a single transaction */ args: string[] })
  | (OperationBase & {
      backend: 'sriov';
      path: string;
      value: string;
      /**
       * Addition for drivers without per-VF sysfs files: when set, the operation runs this command
       * (e.g. `ip link set PF vf N mac X`, under the backend's netns) instead of writing `value` to `path`.
       */
      argv?: string[];
    })
  | (OperationBase & { backend: 'dns'; path: string; content: string })
  | (OperationBase & {
      backend: 'dhcp';
      action: 'start' | 'stop';
      iface: string;
      /** the DHCPv6 client (dhclient -6); absent: the DHCPv4 one */
      family?: 6;
      settings?: import('./dhcp/settings.ts').DhcpSettings;
      /** how long a start waits for its lease: the apply's probe timeout, when the policy gives one */
      timeoutMs?: number;
      /** the resolv.conf a lease's DNS servers go to (auto-dns), saved in the checkpoint like the dns stage's */
      resolvConf?: string;
    })
  | (OperationBase & {
      backend: 'macsec';
      action: 'start' | 'stop';
      /** the macsec link */
      iface: string;
      /** what the supplicant runs with; the CAK only as a fingerprint (plans are printed, checkpoints stored) */
      mka?: import('./macsec/settings.ts').MkaSettings;
    })
  | (OperationBase & { backend: 'lldp'; /** every interface lldpd serves after this operation; none: it stops */ interfaces: string[] })
  | (OperationBase & {
      backend: 'host';
      /** one command, run under the agent's netns (ip rule, sysctl, hostname) */
      argv?: string[];
      /** or a file replaced atomically (content), or removed (null) */
      path?: string;
      content?: string | null;
      /** a step that may fail without failing the apply (logged): e.g. asking the routers to advertise now */
      bestEffort?: true;
    });

/** A planning problem: the desired state cannot be reached, so nothing runs. */
export interface PlanError {
  path: string;
  message: string;
}

export interface BackendPlan<Op extends OperationBase = Operation> {
  operations: Op[];
  errors: PlanError[];
}

/** Execution failed at one operation; what ran before it is for the reconciler to roll back. */
export class ExecutionError extends Error {
  override name = 'ExecutionError';
  constructor(
    message: string,
    readonly operation: OperationBase | undefined,
    readonly command: string[],
    readonly stderr: string,
    readonly exitCode: number | undefined,
  ) {
    super(message);
  }
}

/** A backend; the real ones plan the agent's `Operation`s, a simulator plans its own kind. */
export interface Backend<Op extends OperationBase = Operation> {
  readonly name: Op['backend'];
  /** This backend's part of the actual state (interfaces it knows about, routes, dns); see ReadScope. */
  read(scope?: import('./read.ts').ReadScope): Promise<NetworkState>;
  /**
   * Pure: the operations that take `actual` to `desired` for what this backend owns.
   * `ctx.created` lists interfaces fleetnet created earlier (so it may remove them when no longer named).
   */
  plan(desired: NetworkState, actual: NetworkState, ctx: PlanContext): BackendPlan<Op>;
  /** Runs one run of this backend's operations (consecutive in stage order), in as few processes as possible. */
  execute(operations: Op[]): Promise<void>;
}

export interface PlanContext {
  /** interfaces fleetnet created in earlier applies (from the state directory) */
  created: ReadonlySet<string>;
  /** interfaces the kernel has (the merged actual state also holds e.g. SR-IOV PFs seen only in sysfs) */
  kernelInterfaces?: ReadonlySet<string>;
  /** interface types this kernel cannot create, with the reason (see linux/capabilities.ts) */
  unsupportedTypes?: Readonly<Partial<Record<string, string>>>;
  /** the apply's probe timeout (policy probes.timeoutSeconds), when given: how long a DHCP start waits for its lease */
  leaseTimeoutMs?: number;
}
