/**
 * A connectivity check run before and after a change. Only checks that pass before the change are
 * required after it: a host that could not reach a server before is not rolled back for it.
 */
export interface ProbeResult {
  ok: boolean;
  message?: string;
}

export interface Probe {
  /** what a person reads in the result, e.g. "ping 10.0.0.1 dev eth0" */
  readonly name: string;
  check(timeoutMs: number): Promise<ProbeResult>;
}

/** A probe that did not answer in time failed. */
export async function runProbe(probe: Probe, timeoutMs: number): Promise<ProbeResult> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<ProbeResult>((resolve) => {
    timer = setTimeout(() => resolve({ ok: false, message: `no answer within ${timeoutMs} ms` }), timeoutMs + 1000);
  });
  try {
    return await Promise.race([
      probe.check(timeoutMs).catch((e: unknown) => ({ ok: false, message: (e as Error).message })),
      timeout,
    ]);
  } finally {
    clearTimeout(timer);
  }
}

export interface ProbeOutcome {
  name: string;
  ok: boolean;
  message?: string;
}

export async function runProbes(probes: Probe[], timeoutMs: number): Promise<ProbeOutcome[]> {
  return Promise.all(probes.map(async (p) => ({ name: p.name, ...(await runProbe(p, timeoutMs)) })));
}
