import type { ApiError } from '@fleetnet/contracts';

export type ApiErrorCode = ApiError['error']['code'];

/** A failure the caller can act on; anything else is reported as INTERNAL without its stack. */
export class ApiFailure extends Error {
  constructor(
    readonly code: ApiErrorCode,
    message: string,
    readonly details?: { path: string; message: string }[],
  ) {
    super(message);
  }
}

export function toApiError(e: unknown): ApiError {
  if (e instanceof ApiFailure) {
    return { error: { code: e.code, message: e.message, ...(e.details?.length ? { details: e.details } : {}) } };
  }
  return { error: { code: 'INTERNAL', message: e instanceof Error ? e.message.split('\n')[0]! : String(e) } };
}
