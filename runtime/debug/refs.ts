// Variable references: a number the adapter hands back to expand a value. Each points at
// a provider that computes its children on demand (one page at a time). All references
// die on every resume, so an old one can never show data from another stop.
import type { Variable } from './protocol';

export interface ChildRequest {
  start?: number;
  count?: number;
  filter?: 'indexed' | 'named';
}

export interface Provider {
  children(req: ChildRequest): Variable[];
  /** Only where values are editable (Params). */
  set?(name: string, value: string): Variable;
}

export class RefTable {
  private next = 1;
  private readonly providers = new Map<number, Provider>();

  add(p: Provider): number {
    const ref = this.next++;
    this.providers.set(ref, p);
    return ref;
  }

  get(ref: number): Provider {
    const p = this.providers.get(ref);
    if (p) return p;
    if (ref > 0 && ref < this.next) throw new Error(`stale reference ${ref}: the run moved on since it was handed out`);
    throw new Error(`unknown variable reference ${ref}`);
  }

  reset(): void {
    // Numbers keep growing, so a ref from an earlier stop is recognised as stale.
    this.providers.clear();
  }
}

/** Clamp a page request to [0, length); a missing count means "everything up to `max`". */
export function pageRange(length: number, req: ChildRequest, max = 1000): { start: number; end: number } {
  const start = Math.min(Math.max(0, Math.floor(req.start ?? 0)), length);
  const count = req.count === undefined || req.count <= 0 ? Math.min(length - start, max) : Math.floor(req.count);
  return { start, end: Math.min(length, start + count) };
}
