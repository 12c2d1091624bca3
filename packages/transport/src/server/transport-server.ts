// The master side: PUB for desired state and heartbeats, ROUTER for
// snapshots and node heartbeats, node liveness, CURVE with an allow-list.
import { randomBytes } from 'node:crypto';
import { Context, Publisher, Router } from 'zeromq';
import { startZapHandler, type ZapHandler } from '../curve/zap-handler.js';
import { SafeEmitter } from '../safe-emitter.js';
import { TransportError } from '../errors.js';
import type { TransportServerEvents } from '../events.js';
import { LivenessTracker, type Transition } from '../liveness/tracker.js';
import { endpointError, isLocalEndpoint } from '../socket/endpoints.js';
import { SerialSender } from '../socket/serial-sender.js';
import type { NodeInfo, NodeReport } from '../types.js';
import { checkBody, decodeNodeMessage, encode } from '../wire/codec.js';
import { PLAIN_LINK, aadOf, type Link } from '../wire/envelope.js';
import type { HeartbeatBody, NodeMessage, RequestBody } from '../wire/messages.js';
import { checkNodeName } from '../wire/node-name.js';
import { stateTopic } from '../wire/topics.js';
import { DesiredStore } from './desired-store.js';
import { NodeKeyring } from './node-keyring.js';
import { checkServerOptions } from './server-options.js';
import { UnprovenCounter, type TransportCounters, type UnprovenReason } from './unproven.js';

/** Options of {@link TransportServer}. */
export interface TransportServerOptions {
  /** Endpoint the master binds (PUB) for desired state and heartbeats, e.g. `tcp://127.0.0.1:5002`. */
  updates: string;
  /** Endpoint the master binds (ROUTER) for snapshot requests and node heartbeats, e.g. `tcp://127.0.0.1:5001`. */
  stats: string;
  /**
   * CURVE: the master's Z85 key pair, and for each node name the Z85 public
   * key that proves it. Only those keys get in, and each proves only its own
   * node. Without it, plaintext: any peer may claim any name of the desired
   * state (loopback and development only).
   */
  curve?: { publicKey: string; secretKey: string; allow: Record<string, string> };
  /** Plaintext on an address other hosts can reach is refused unless this is true (then it is a warning). */
  plaintextRemote?: boolean;
  /**
   * Answers a node's request (e.g. a claim on a job); what it returns (JSON) goes back, sealed for that node. Without
   * it every request is answered null.
   */
  answer?: (node: string, request: unknown) => unknown;
  /** Master heartbeat period (default 1000 ms). */
  heartbeatMs?: number;
  /** A node silent this long is suspect (default 3000 ms). */
  suspectAfterMs?: number;
  /** A node silent this long is down (default 10000 ms). */
  downAfterMs?: number;
  /** The clock of liveness (default `Date.now`). */
  now?: () => number;
}

/** The largest message the master takes from a node; a peer that sends more is disconnected by ZeroMQ. */
export const MAX_NODE_MESSAGE_BYTES = 16 * 1024 * 1024;
/** At most one `unproven` event per this many ms. */
const UNPROVEN_WINDOW_MS = 10_000;

// Room for a state and a heartbeat of every node of a large cluster in one period.
const PUB_QUEUE = 20_000;
const EVENT_OF: Record<Transition['to'], 'node.up' | 'node.suspect' | 'node.down'> = {
  alive: 'node.up',
  suspect: 'node.suspect',
  down: 'node.down',
};

// The events of this class, typed: the interface only narrows the signatures of the methods it inherits.
// eslint-disable-next-line @typescript-eslint/no-unsafe-declaration-merging
export interface TransportServer {
  on<E extends keyof TransportServerEvents>(event: E, listener: (payload: TransportServerEvents[E]) => void): this;
  once<E extends keyof TransportServerEvents>(event: E, listener: (payload: TransportServerEvents[E]) => void): this;
  off<E extends keyof TransportServerEvents>(event: E, listener: (payload: TransportServerEvents[E]) => void): this;
  emit<E extends keyof TransportServerEvents>(event: E, payload: TransportServerEvents[E]): boolean;
}

/**
 * The master end of the transport. Holds each node's desired list with a
 * revision, publishes changes at once and a heartbeat every period, answers
 * snapshot requests, and tracks node liveness from their heartbeats.
 */
// eslint-disable-next-line @typescript-eslint/no-unsafe-declaration-merging
export class TransportServer extends SafeEmitter<TransportServerEvents> {
  /** Identifies this run of the master in every message; a restarted master has a new one. */
  readonly epoch = `${Date.now().toString(36)}-${randomBytes(6).toString('hex')}`;
  /** Warnings found by start(), e.g. plaintext on a non-loopback address (also emitted as `warning`). */
  readonly warnings: string[] = [];

  private readonly options: ReturnType<typeof checkServerOptions>;
  private readonly store = new DesiredStore();
  private readonly keyring: NodeKeyring | undefined;
  private readonly unproven: UnprovenCounter;
  // Nodes with desired state but no key, already warned about.
  private readonly keyless = new Set<string>();
  private readonly liveness: LivenessTracker;
  private readonly applied = new Map<string, number>();
  private readonly reports = new Map<string, NodeReport>();
  private publisher: Publisher | undefined;
  private router: Router | undefined;
  private pubSender: SerialSender | undefined;
  private routerSender: SerialSender | undefined;
  private zap: ZapHandler | undefined;
  private timers: NodeJS.Timeout[] = [];
  private starting: Promise<void> | undefined;
  private closed = false;

  /** Checks the options (throws DPD_TRANSPORT_OPTIONS or DPD_TRANSPORT_KEY); binds nothing until start(). */
  constructor(options: TransportServerOptions) {
    super();
    this.options = checkServerOptions(options);
    this.liveness = new LivenessTracker(this.options.suspectAfterMs, this.options.downAfterMs);
    this.keyring = this.options.curve && new NodeKeyring(this.options.curve);
    this.unproven = new UnprovenCounter(UNPROVEN_WINDOW_MS, this.options.now, (report) =>
      this.fire('unproven', report),
    );
  }

  /** What the server has counted since it started: accepted, malformed and unproven messages. */
  counters(): TransportCounters {
    return { ...this.unproven.counters };
  }

  /**
   * Binds both endpoints and starts the heartbeat. Rejects with DPD_TRANSPORT_BIND (address in use…) or
   * DPD_TRANSPORT_CLOSED.
   */
  start(): Promise<void> {
    if (this.closed) return Promise.reject(new TransportError('DPD_TRANSPORT_CLOSED', 'the server was closed'));
    this.starting ??= this.bind().catch((error: unknown) => {
      this.shutdown();
      throw error;
    });
    return this.starting;
  }

  private async bind(): Promise<void> {
    const { updates, stats, curve, heartbeatMs, suspectAfterMs } = this.options;
    // A context of our own: the ZAP endpoint is per context, so two servers in one process do not share an allow-list.
    const context = new Context({ blocky: false });
    if (curve)
      this.zap = await startZapHandler(context, Object.values(curve.allow), (publicKey, address) =>
        this.fire('auth.rejected', { publicKey, address }),
      );
    const security = curve ? { curveServer: true, curveSecretKey: curve.secretKey, zapDomain: 'diprocd' } : {};
    this.publisher = new Publisher({ context, linger: 0, sendTimeout: 0, ...security });
    this.router = new Router({
      context,
      linger: 0,
      sendTimeout: 0,
      maxMessageSize: MAX_NODE_MESSAGE_BYTES,
      ...security,
    });
    this.pubSender = new SerialSender(this.publisher, (error) => this.report(error), PUB_QUEUE);
    this.routerSender = new SerialSender(this.router, (error) => this.report(error));
    for (const endpoint of [updates, stats]) {
      if (curve || isLocalEndpoint(endpoint)) continue;
      const message = `plaintext on ${endpoint}, reachable from other hosts: anyone who can connect can read every node's desired state (its env included) and pose as any node`;
      if (!this.options.plaintextRemote)
        throw new TransportError(
          'DPD_TRANSPORT_PLAINTEXT',
          `refusing to bind ${message}; configure CURVE keys, or allow it explicitly (plaintextRemote)`,
        );
      this.warnings.push(message);
      this.fire('warning', { message });
    }
    for (const [socket, endpoint] of [
      [this.publisher, updates],
      [this.router, stats],
    ] as const) {
      try {
        await socket.bind(endpoint);
      } catch (cause) {
        throw endpointError('DPD_TRANSPORT_BIND', 'bind', endpoint, cause);
      }
    }
    void this.receive(this.router);
    this.timers.push(setInterval(() => this.heartbeat(), heartbeatMs));
    this.timers.push(
      setInterval(() => this.checkLiveness(), Math.max(5, Math.min(heartbeatMs, Math.floor(suspectAfterMs / 4)))),
    );
    this.heartbeat();
  }

  /**
   * Sets the desired list of a node. The revision goes up (and the list is
   * published at once) only when the list differs, by deep equality, from the
   * current one; the first call for a node always makes revision 1.
   * @returns the node's revision after the call
   */
  setDesired(node: string, procs: unknown[]): number {
    checkNodeName(node);
    if (!Array.isArray(procs))
      throw new TransportError('DPD_TRANSPORT_OPTIONS', `setDesired(${JSON.stringify(node)}): procs must be an array`);
    let changed: boolean;
    try {
      changed = this.store.set(node, procs);
    } catch (cause) {
      throw new TransportError(
        'DPD_TRANSPORT_OPTIONS',
        `setDesired(${JSON.stringify(node)}): procs is not JSON-serialisable`,
        { cause },
      );
    }
    this.liveness.know(node);
    if (this.keyring && !this.keyring.has(node) && !this.keyless.has(node)) {
      this.keyless.add(node);
      const message = `node ${JSON.stringify(node)} has desired state but no key in curve.allow: nothing is sent to it and nothing it sends is taken`;
      this.warnings.push(message);
      this.fire('warning', { message });
    }
    if (changed) this.publishState(node);
    return this.store.get(node).revision;
  }

  /** Sets every node's list from a whole master file; known nodes missing from it get an empty list. */
  setAll(nodes: Record<string, unknown[]>): void {
    for (const node of Object.keys(nodes)) checkNodeName(node);
    for (const [node, procs] of Object.entries(nodes)) this.setDesired(node, procs);
    for (const node of this.knownNodes()) if (!Object.hasOwn(nodes, node)) this.setDesired(node, []);
  }

  /** The current desired list of a node (revision 0 and an empty list if none was set). */
  desired(node: string): { revision: number; procs: unknown[] } {
    return this.store.get(node);
  }

  /** Every node known from desired state or bound to a key (a name heard from but neither is never listed). */
  nodes(): NodeInfo[] {
    return this.knownNodes().map((name) => ({
      name,
      liveness: this.liveness.liveness(name),
      lastHeartbeat: this.liveness.lastHeartbeat(name),
      revision: this.store.get(name).revision,
      applied: this.applied.get(name) ?? null,
      report: this.reports.get(name) ?? null,
    }));
  }

  /** Stops the timers and closes the sockets (linger 0: never waits for peers). */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.starting?.catch(() => undefined);
    this.shutdown();
  }

  private shutdown(): void {
    for (const timer of this.timers) clearInterval(timer);
    this.timers = [];
    for (const socket of [this.publisher, this.router]) if (socket && !socket.closed) socket.close();
    this.zap?.close();
    this.unproven.close();
  }

  private knownNodes(): string[] {
    return [...new Set([...this.store.nodes(), ...(this.keyring?.nodes() ?? [])])].sort();
  }

  /**
   * The link to `node`, or undefined when nothing can prove that name: with
   * CURVE, a name bound to a key; in plaintext, a name with desired state.
   */
  private linkTo(node: string): Link | undefined {
    if (!this.keyring) return this.store.has(node) ? PLAIN_LINK : undefined;
    try {
      return this.keyring.link(node);
    } catch (error) {
      this.report(error as TransportError);
      return undefined;
    }
  }

  /**
   * A node's state or snapshot, sealed for it; undefined when the node has no link (its list is never sent in the
   * clear).
   */
  private stateMessage(type: 'state' | 'snapshot', node: string) {
    const link = this.linkTo(node);
    if (!link) return undefined;
    const { revision, procs } = this.store.peek(node);
    return encode({
      v: 2,
      type,
      epoch: this.epoch,
      node,
      revision,
      ...link.put(aadOf.state(type, this.epoch, node, revision), { procs }),
    });
  }

  private publishState(node: string): void {
    const message = this.stateMessage('state', node);
    if (message) this.pubSender?.send([stateTopic(node), message]);
  }

  // One heartbeat per node, on its own topic, carrying only its revision:
  // a master with N nodes sends N small messages a period, not N copies of
  // an N-entry map (at 1,000 nodes that was 15 MB/s for nothing).
  private heartbeat(): void {
    const revisions = this.store.revisions();
    for (const node of this.knownNodes()) {
      this.pubSender?.send([
        stateTopic(node),
        encode({
          v: 2,
          type: 'heartbeat',
          epoch: this.epoch,
          periodMs: this.options.heartbeatMs,
          revisions: { [node]: revisions[node] ?? 0 },
        }),
      ]);
    }
  }

  private checkLiveness(): void {
    for (const { node, to } of this.liveness.check(this.options.now())) this.fire(EVENT_OF[to], { node });
  }

  private async receive(router: Router): Promise<void> {
    try {
      for await (const frames of router) {
        // The last frame is the JSON body; everything before it is the envelope to answer to (routing id, and "" for
        // REQ peers).
        const envelope = frames.slice(0, -1);
        const answer = (body: Buffer) => envelope.length > 0 && this.routerSender?.send([...envelope, body]);
        try {
          this.take(decodeNodeMessage(frames.length >= 2 ? frames[frames.length - 1] : undefined), answer);
        } catch (error) {
          this.unproven.counters.malformed++;
          const coded =
            error instanceof TransportError
              ? error
              : new TransportError('DPD_TRANSPORT_MESSAGE', String(error), { cause: error });
          this.report(coded);
          answer(encode({ v: 2, type: 'error', code: coded.code, message: coded.message }));
        }
      }
    } catch (error) {
      if (!this.closed)
        this.report(new TransportError('DPD_TRANSPORT_CLOSED', 'the stats socket stopped receiving', { cause: error }));
    }
  }

  /** One node message: proven by its node's key (or, in plaintext, for a node with a list), or counted and dropped. */
  private take(message: NodeMessage, answer: (body: Buffer) => void): void {
    const node = checkNodeName(message.node);
    const link = this.linkTo(node);
    const body = link?.take(aadOf.node(message.type, node), message);
    if (!link || body === undefined) {
      const reason: UnprovenReason = link ? 'not-proven' : 'unknown-node';
      this.unproven.count(reason, node);
      // One answer for both, so a peer learns nothing about which names exist.
      answer(
        encode({
          v: 2,
          type: 'error',
          code: 'DPD_TRANSPORT_UNPROVEN',
          message: `a ${message.type} for node ${JSON.stringify(node)} was dropped: no key bound to that name sealed it`,
        }),
      );
      return;
    }
    checkBody('node', message.type, body);
    this.unproven.counters.accepted++;
    if (message.type === 'snapshot.request') {
      const snapshot = this.stateMessage('snapshot', node);
      if (snapshot) answer(snapshot);
    } else if (message.type === 'heartbeat') {
      this.heard(node, body as HeartbeatBody);
    } else {
      const { id, request } = body as RequestBody;
      let reply: unknown = null;
      try {
        reply = this.options.answer?.(node, request) ?? null;
      } catch (error) {
        this.report(
          new TransportError(
            'DPD_TRANSPORT_LISTENER',
            `answer() threw for a request of node ${JSON.stringify(node)}: ${(error as Error)?.message}`,
            { cause: error },
          ),
        );
      }
      answer(encode({ v: 2, type: 'answer', node, ...link.put(aadOf.answer(node), { id, answer: reply }) }));
    }
  }

  private heard(node: string, message: HeartbeatBody): void {
    const transitions = this.liveness.heard(node, this.options.now());
    // An applied revision of another master run says nothing about ours.
    if (message.applied?.epoch === this.epoch) this.applied.set(node, message.applied.revision);
    else if (message.applied !== null) this.applied.delete(node);
    if (message.report) this.reports.set(node, message.report);
    for (const { to } of transitions) this.fire(EVENT_OF[to], { node });
    if (message.report) this.fire('node.report', { node, report: message.report });
  }
}
