/** Options of one controller process. */
export interface ControllerOptions {
  servers: string[];
  creds?: string;
  /** stream and KV replicas: 1 on a single server, 3 on a cluster */
  replicas: number;
  /** a host with no heartbeat for this long is Unreachable */
  unreachableAfterSeconds: number;
  logLevel: string;
  /** how often in-progress rollout hosts are checked against their timeout */
  timeoutCheckMs: number;
  /** a name for this controller in event sources and logs */
  name: string;
  /** an address stays with a host no policy using its pool selects any more for this long (a label typo must not reshuffle addresses) */
  poolGraceSeconds: number;
}

export const CONFIG = 'FLEETNET_CONFIG';
export const BUS = 'FLEETNET_BUS';
export const LOG = 'FLEETNET_LOG';

export const defaultOptions = (): ControllerOptions => ({
  servers: ['nats://127.0.0.1:4222'],
  replicas: 1,
  unreachableAfterSeconds: 30,
  logLevel: 'info',
  timeoutCheckMs: 1000,
  poolGraceSeconds: 900,
  name: `controller-${process.pid}`,
});
