// The desired list of each node with its revision. Revision 0 means nothing
// was ever set; the first set (even to an empty list) makes it 1, and each
// change after that adds 1.
import { deepEqual } from './deep-equal.js';

export class DesiredStore {
  private readonly byNode = new Map<string, { revision: number; procs: unknown[] }>();

  /** Sets a node's list; returns whether the revision moved. */
  set(node: string, procs: unknown[]): boolean {
    const current = this.byNode.get(node);
    if (current && current.revision > 0 && deepEqual(current.procs, procs)) return false;
    // A deep copy, so a caller mutating its array later changes nothing here.
    this.byNode.set(node, {
      revision: (current?.revision ?? 0) + 1,
      procs: JSON.parse(JSON.stringify(procs)) as unknown[],
    });
    return true;
  }

  get(node: string): { revision: number; procs: unknown[] } {
    const current = this.byNode.get(node);
    return { revision: current?.revision ?? 0, procs: structuredClone(current?.procs ?? []) };
  }

  /** The same without the copy, for encoding at once (never to be changed or kept). */
  peek(node: string): { revision: number; procs: unknown[] } {
    const current = this.byNode.get(node);
    return { revision: current?.revision ?? 0, procs: current?.procs ?? [] };
  }

  has(node: string): boolean {
    return this.byNode.has(node);
  }

  nodes(): string[] {
    return [...this.byNode.keys()];
  }

  revisions(): Record<string, number> {
    return Object.fromEntries([...this.byNode].map(([node, { revision }]) => [node, revision]));
  }
}
