import type { LabelSelector, Labels } from '@fleetnet/contracts';
import { matchesSelector } from '@fleetnet/contracts';

function sameLabels(a: Labels, b: Labels): boolean {
  const ka = Object.keys(a);
  if (ka.length !== Object.keys(b).length) return false;
  return ka.every((k) => Object.hasOwn(b, k) && a[k] === b[k]);
}

/**
 * Labels → hosts. A selector is answered from the smallest candidate set its positive terms give
 * (matchLabels, In, Exists), then checked exactly; only selectors made purely of negative terms
 * (NotIn, DoesNotExist) or empty ones fall back to every host.
 */
export class LabelIndex {
  private readonly byKey = new Map<string, Map<string, Set<string>>>();
  private readonly labels = new Map<string, Labels>();
  /** changes whenever some host's labels really change: answers of `select` stay valid until then */
  version = 0;

  set(host: string, labels: Labels): void {
    const old = this.labels.get(host);
    if (old && sameLabels(old, labels)) return;
    this.remove(host);
    this.version++;
    this.labels.set(host, labels);
    for (const [k, v] of Object.entries(labels)) {
      let values = this.byKey.get(k);
      if (!values) this.byKey.set(k, (values = new Map()));
      let hosts = values.get(v);
      if (!hosts) values.set(v, (hosts = new Set()));
      hosts.add(host);
    }
  }

  remove(host: string): void {
    const old = this.labels.get(host);
    if (!old) return;
    this.version++;
    this.labels.delete(host);
    for (const [k, v] of Object.entries(old)) {
      const values = this.byKey.get(k);
      values?.get(v)?.delete(host);
      if (values?.get(v)?.size === 0) values.delete(v);
      if (values?.size === 0) this.byKey.delete(k);
    }
  }

  get size(): number {
    return this.labels.size;
  }

  hosts(): IterableIterator<string> {
    return this.labels.keys();
  }

  private candidates(selector: LabelSelector | undefined): Iterable<string> {
    const sets: Set<string>[] = [];
    for (const [k, v] of Object.entries(selector?.matchLabels ?? {})) sets.push(this.byKey.get(k)?.get(v) ?? new Set());
    for (const e of selector?.matchExpressions ?? []) {
      if (e.operator === 'In') {
        const u = new Set<string>();
        for (const v of e.values ?? []) for (const h of this.byKey.get(e.key)?.get(v) ?? []) u.add(h);
        sets.push(u);
      } else if (e.operator === 'Exists') {
        const u = new Set<string>();
        for (const hs of this.byKey.get(e.key)?.values() ?? []) for (const h of hs) u.add(h);
        sets.push(u);
      }
    }
    if (!sets.length) return this.labels.keys();
    sets.sort((a, b) => a.size - b.size);
    return sets[0]!;
  }

  /** Hosts whose labels satisfy the selector, sorted by name. */
  select(selector: LabelSelector | undefined): string[] {
    const out: string[] = [];
    for (const h of this.candidates(selector)) if (matchesSelector(selector, this.labels.get(h) ?? {})) out.push(h);
    return out.sort();
  }
}
