/**
 * @fleetnet/sim: simulated hosts for trying policies at fleet scale without touching a kernel.
 *
 *   createSimBackend   one host (links, OVS, SR-IOV, DNS) in memory, planned and executed like the real backends
 *   SimHost            the in-memory host itself (e.g. to fold its reports without an agent)
 *   SimAgent           the agent's bus protocol on top of a sim backend; many share one NATS connection
 */
export { createSimBackend, planSim, type SimBackend, type SimBackendOptions, type SimOperation } from './backend.ts';
export { SimHost, simMac, simNics, type SimNic } from './host.ts';
export { SimAgent, type SimAgentOptions } from './agent.ts';
