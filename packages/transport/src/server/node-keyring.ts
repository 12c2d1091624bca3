// Which key proves which node, on the master. Each node's link (its two
// AEAD keys) is derived the first time the node is heard from or sent to,
// and kept: a name bound to no key is never derived, so a flood of made-up
// names costs one map lookup each.
import { deriveNodeKeys } from '../curve/node-keys.js';
import { masterLink, type Link } from '../wire/envelope.js';

export class NodeKeyring {
  private readonly links = new Map<string, Link>();

  constructor(
    private readonly curve: { publicKey: string; secretKey: string; allow: Readonly<Record<string, string>> },
  ) {}

  /** The nodes bound to a key. */
  nodes(): string[] {
    return Object.keys(this.curve.allow);
  }

  has(node: string): boolean {
    return Object.hasOwn(this.curve.allow, node);
  }

  /** The sealed link to `node`, or undefined when no key is bound to that name. */
  link(node: string): Link | undefined {
    const known = this.links.get(node);
    if (known || !this.has(node)) return known;
    const nodePublicKey = this.curve.allow[node]!;
    const link = masterLink(
      deriveNodeKeys(
        {
          secretKey: this.curve.secretKey,
          peerPublicKey: nodePublicKey,
          masterPublicKey: this.curve.publicKey,
          nodePublicKey,
        },
        node,
      ),
    );
    this.links.set(node, link);
    return link;
  }
}
