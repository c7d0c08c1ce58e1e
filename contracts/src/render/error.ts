import { formatPath } from '../validate.ts';

/**
 * Why a policy could not be rendered for one host. `kind` is what the controller branches on:
 * - `CaptureSyntax`, `TemplateSyntax`: the policy itself is wrong (caught at intake, never host-specific);
 * - `CaptureFailed`: a capture expression found nothing in this host's state (host condition `CaptureFailed`);
 * - `TemplateUnresolved`: a `{{ }}` reference names something this host or its captures do not have;
 * - `PoolMissing`: the policy uses `{{ pools.NAME.* }}` and no address of that pool was given for this host;
 * - `Invalid`: the rendered state breaks the strict NetworkState schema or its semantic rules.
 */
export type RenderErrorKind = 'CaptureSyntax' | 'CaptureFailed' | 'TemplateSyntax' | 'TemplateUnresolved' | 'PoolMissing' | 'Invalid';

export interface RenderError {
  kind: RenderErrorKind;
  /** where in the policy document, e.g. `spec.capture.base-iface` or `spec.desiredState.interfaces[0].mtu` */
  path: string;
  segments: (string | number)[];
  /** the capture expression or template text the error is about (absent for `Invalid`) */
  expression?: string;
  /** 0-based character offset inside `expression` */
  position?: number;
  /** the capture's name, for capture errors */
  capture?: string;
  /** the pool's name, for `PoolMissing` */
  pool?: string;
  message: string;
}

export function renderError(
  kind: RenderErrorKind,
  segments: (string | number)[],
  message: string,
  extra: Pick<RenderError, 'expression' | 'position' | 'capture' | 'pool'> = {},
): RenderError {
  return { kind, path: formatPath(segments), segments, message, ...extra };
}

/** One line for a person: `spec.capture.gw: ... (at column 12 of "interfaces.name == ...")`. */
export function formatRenderError(e: RenderError): string {
  const where = e.expression !== undefined && e.position !== undefined ? ` (column ${e.position + 1} of ${JSON.stringify(e.expression)})` : '';
  return `${e.path ? `${e.path}: ` : ''}${e.message}${where}`;
}

/** Thrown inside the pure evaluators and caught at their boundary, so callers get a value, never a throw. */
export class RenderFailure extends Error {
  constructor(readonly error: RenderError) {
    super(error.message);
  }
}
