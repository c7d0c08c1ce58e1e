/**
 * Exit codes are an interface: CI pipelines branch on them, so each failure class has its own
 * number and the list below is printed in `fleetnet --help`.
 */
export const ExitCode = {
  ok: 0,
  failed: 1,
  invalid: 2,
  timeout: 3,
  notFound: 4,
  unreachable: 5,
  noController: 6,
  conflict: 7,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

export const exitCodeHelp: [ExitCode, string][] = [
  [ExitCode.ok, 'success'],
  [ExitCode.failed, 'the rollout halted or hosts failed (apply --wait), or an operation was refused'],
  [ExitCode.invalid, 'invalid input: a policy file, a flag, a selector or a label'],
  [ExitCode.timeout, '--timeout passed before the answer or the rollout completed'],
  [ExitCode.notFound, 'unknown host, policy, rollout or version'],
  [ExitCode.unreachable, 'cannot reach NATS at --server'],
  [ExitCode.noController, 'NATS is up but no controller is answering'],
  [ExitCode.conflict, 'the policy changed since apply read it (someone else applied it): read it again, or apply --force'],
];

/** An expected failure: printed as one line (or the given lines) and mapped to an exit code, never a stack trace. */
export class CliError extends Error {
  override name = 'CliError';
  constructor(
    message: string,
    readonly code: ExitCode,
    /** extra lines printed after the message, e.g. one per invalid field */
    readonly lines: string[] = [],
    /** lines printed before the message: netplan-style `file:line:col` errors come first, the summary last */
    readonly preamble: string[] = [],
  ) {
    super(message);
  }
}
