import type { LinkKind } from './kind.ts';

export const dummy: LinkKind = {
  createLine: (d) => `link add ${d.name} type dummy`,
};
