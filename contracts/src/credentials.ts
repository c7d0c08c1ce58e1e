import { readFileSync } from 'node:fs';

/**
 * NATS credentials as a file names them: the JSON `{"user","password"}` that deploy/gen-auth.ts writes
 * for every agent, the controller and operators, or a NATS `.creds` file (user JWT + nkey seed) for
 * servers run in operator/JWT mode. The agent, the controller and the CLI all take `--creds FILE` and
 * read it here, so one generated file works with every one of them.
 */
export type NatsCredentials =
  | { kind: 'password'; user: string; password: string }
  | { kind: 'jwt'; creds: Uint8Array };

export class CredentialsError extends Error {
  override name = 'CredentialsError';
}

export function parseCredentials(text: string, file: string): NatsCredentials {
  if (text.includes('-----BEGIN NATS USER JWT-----')) {
    if (!text.includes('-----BEGIN USER NKEY SEED-----')) throw new CredentialsError(`${file}: a .creds file needs both the user JWT and the NKEY seed`);
    return { kind: 'jwt', creds: new TextEncoder().encode(text) };
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new CredentialsError(`${file}: neither JSON {"user": "...", "password": "..."} nor a NATS .creds file (${(e as Error).message})`);
  }
  const c = raw as { user?: unknown; password?: unknown };
  if (typeof c?.user !== 'string' || !c.user || typeof c.password !== 'string') {
    throw new CredentialsError(`${file}: expected JSON {"user": "...", "password": "..."} (as deploy/gen-auth.ts writes)`);
  }
  return { kind: 'password', user: c.user, password: c.password };
}

export function readCredentials(file: string): NatsCredentials {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new CredentialsError(`${file}: cannot read: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message}`);
  }
  return parseCredentials(text, file);
}
