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
import { decodeNodeMessage, encode } from '../wire/codec.js';
import type { NodeHeartbeatMessage } from '../wire/messages.js';
import { checkNodeName } from '../wire/node-name.js';
import { stateTopic } from '../wire/topics.js';
import { DesiredStore } from './desired-store.js';
import { checkServerOptions } from './server-options.js';

/** Options of {@link TransportServer}. */
export interface TransportServerOptions {
  /** Endpoint the master binds (PUB) for desired state and heartbeats, e.g. `tcp://127.0.0.1:5002`. */
  updates: string;
  /** Endpoint the master binds (ROUTER) for snapshot requests and node heartbeats, e.g. `tcp://127.0.0.1:5001`. */
  stats: string;
  /** CURVE: the master's Z85 key pair and the Z85 public keys of the clients allowed in. Without it, plaintext. */
  curve?: { publicKey: string; secretKey: string; allow: string[] };
  /** Master heartbeat period (default 1000 ms). */
  heartbeatMs?: number;
  /** A node silent this long is suspect (default 3000 ms). */
  suspectAfterMs?: number;
  /** A node silent this long is down (default 10000 ms). */
  downAfterMs?: number;
  /** The clock of liveness (default `Date.now`). */
  now?: () => number;
}

// Room for a state and a heartbeat of every node of a large cluster in one period.
const PUB_QUEUE = 20_000;
const EVENT_OF: Record<Transition['to'], 'node.up' | 'node.suspect' | 'node.down'> = { alive: 'node.up', suspect: 'node.suspect', down: 'node.down' };

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
export class TransportServer extends SafeEmitter<TransportServerEvents> {
  /** Identifies this run of the master in every message; a restarted master has a new one. */
  readonly epoch = `${Date.now().toString(36)}-${randomBytes(6).toString('hex')}`;
  /** Warnings found by start(), e.g. plaintext on a non-loopback address (also emitted as `warning`). */
  readonly warnings: string[] = [];

  private readonly options: Required<Omit<TransportServerOptions, 'curve'>> & Pick<TransportServerOptions, 'curve'>;
  private readonly store = new DesiredStore();
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
  }

  /** Binds both endpoints and starts the heartbeat. Rejects with DPD_TRANSPORT_BIND (address in use…) or DPD_TRANSPORT_CLOSED. */
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
    if (curve) this.zap = await startZapHandler(context, curve.allow, (publicKey, address) => this.fire('auth.rejected', { publicKey, address }));
    const security = curve ? { curveServer: true, curveSecretKey: curve.secretKey, zapDomain: 'diprocd' } : {};
    this.publisher = new Publisher({ context, linger: 0, sendTimeout: 0, ...security });
    this.router = new Router({ context, linger: 0, sendTimeout: 0, ...security });
    this.pubSender = new SerialSender(this.publisher, (error) => this.report(error), PUB_QUEUE);
    this.routerSender = new SerialSender(this.router, (error) => this.report(error));
    for (const [socket, endpoint] of [[this.publisher, updates], [this.router, stats]] as const) {
      try {
        await socket.bind(endpoint);
      } catch (cause) {
        throw endpointError('DPD_TRANSPORT_BIND', 'bind', endpoint, cause);
      }
      if (!curve && !isLocalEndpoint(endpoint)) {
        const message = `transport bound in plaintext on ${endpoint}, reachable from other hosts: anyone who can connect can read desired state and pose as a node; configure CURVE keys`;
        this.warnings.push(message);
        this.fire('warning', { message });
      }
    }
    void this.receive(this.router);
    this.timers.push(setInterval(() => this.heartbeat(), heartbeatMs));
    this.timers.push(setInterval(() => this.checkLiveness(), Math.max(5, Math.min(heartbeatMs, Math.floor(suspectAfterMs / 4)))));
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
    if (!Array.isArray(procs)) throw new TransportError('DPD_TRANSPORT_OPTIONS', `setDesired(${JSON.stringify(node)}): procs must be an array`);
    let changed: boolean;
    try {
      changed = this.store.set(node, procs);
    } catch (cause) {
      throw new TransportError('DPD_TRANSPORT_OPTIONS', `setDesired(${JSON.stringify(node)}): procs is not JSON-serialisable`, { cause });
    }
    this.liveness.know(node);
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

  /** Every node known from desired state or from heartbeats. */
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
  }

  private knownNodes(): string[] {
    return [...new Set([...this.store.nodes(), ...this.liveness.nodes()])].sort();
  }

  private publishState(node: string): void {
    const { revision, procs } = this.store.peek(node);
    this.pubSender?.send([stateTopic(node), encode({ v: 1, type: 'state', epoch: this.epoch, node, revision, procs })]);
  }

  // One heartbeat per node, on its own topic, carrying only its revision:
  // a master with N nodes sends N small messages a period, not N copies of
  // an N-entry map (at 1,000 nodes that was 15 MB/s for nothing).
  private heartbeat(): void {
    const revisions = this.store.revisions();
    for (const node of this.knownNodes()) {
      this.pubSender?.send([stateTopic(node), encode({ v: 1, type: 'heartbeat', epoch: this.epoch, periodMs: this.options.heartbeatMs, revisions: { [node]: revisions[node] ?? 0 } })]);
    }
  }

  private checkLiveness(): void {
    for (const { node, to } of this.liveness.check(this.options.now())) this.fire(EVENT_OF[to], { node });
  }

  private async receive(router: Router): Promise<void> {
    try {
      for await (const frames of router) {
        // The last frame is the JSON body; everything before it is the envelope to answer to (routing id, and "" for REQ peers).
        const envelope = frames.slice(0, -1);
        try {
          const message = decodeNodeMessage(frames.length >= 2 ? frames[frames.length - 1] : undefined);
          const node = checkNodeName(message.node);
          if (message.type === 'snapshot.request') {
            this.liveness.know(node);
            const { revision, procs } = this.store.peek(node);
            this.routerSender?.send([...envelope, encode({ v: 1, type: 'snapshot', epoch: this.epoch, node, revision, procs })]);
          } else {
            this.heard(node, message);
          }
        } catch (error) {
          const coded = error instanceof TransportError ? error : new TransportError('DPD_TRANSPORT_MESSAGE', String(error), { cause: error });
          this.report(coded);
          if (envelope.length > 0) this.routerSender?.send([...envelope, encode({ v: 1, type: 'error', code: coded.code, message: coded.message })]);
        }
      }
    } catch (error) {
      if (!this.closed) this.report(new TransportError('DPD_TRANSPORT_CLOSED', 'the stats socket stopped receiving', { cause: error }));
    }
  }

  private heard(node: string, message: NodeHeartbeatMessage): void {
    const transitions = this.liveness.heard(node, this.options.now());
    // An applied revision of another master run says nothing about ours.
    if (message.applied?.epoch === this.epoch) this.applied.set(node, message.applied.revision);
    else if (message.applied !== null) this.applied.delete(node);
    if (message.report) this.reports.set(node, message.report);
    for (const { to } of transitions) this.fire(EVENT_OF[to], { node });
    if (message.report) this.fire('node.report', { node, report: message.report });
  }
}
