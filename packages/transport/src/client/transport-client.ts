// The node side: SUB for desired state and master heartbeats, DEALER for
// snapshot requests and the node's heartbeat + status report.
import { Dealer, Subscriber } from 'zeromq';
import { SafeEmitter } from '../safe-emitter.js';
import { TransportError, TRANSPORT_ERROR_CODES, type TransportErrorCode } from '../errors.js';
import type { TransportClientEvents } from '../events.js';
import { deriveNodeKeys } from '../curve/node-keys.js';
import { endpointError, isLocalEndpoint } from '../socket/endpoints.js';
import { SerialSender } from '../socket/serial-sender.js';
import type { NodeReport } from '../types.js';
import { checkBody, decodeMasterMessage, encode } from '../wire/codec.js';
import { PLAIN_LINK, aadOf, nodeLink, type Link } from '../wire/envelope.js';
import type { AnswerBody, AnswerMessage, MasterHeartbeatMessage, StateBody, StateMessage } from '../wire/messages.js';
import { parseTopic, stateTopic } from '../wire/topics.js';
import { checkClientOptions } from './client-options.js';

/** Options of {@link TransportClient}. */
export interface TransportClientOptions {
  /** This node's name, as the master file names it. */
  node: string;
  /** The master's PUB endpoint, e.g. `tcp://127.0.0.1:5002`. */
  updates: string;
  /** The master's ROUTER endpoint, e.g. `tcp://127.0.0.1:5001`. */
  stats: string;
  /**
   * CURVE: this node's Z85 key pair and the master's Z85 public key; the master must bind this key to `node`. Without
   * it, plaintext.
   */
  curve?: { publicKey: string; secretKey: string; serverKey: string };
  /** Plaintext to an address of another host is refused unless this is true. */
  plaintextRemote?: boolean;
  /** Heartbeat and report period (default 1000 ms). */
  heartbeatMs?: number;
  /** Called once a period; its result travels with the heartbeat. */
  report: () => NodeReport | Promise<NodeReport>;
  /** ZeroMQ reconnect interval, doubling up to `maxMs` (defaults 100 and 5000 ms). */
  reconnect?: { initialMs?: number; maxMs?: number };
  /** The clock for master silence (default `Date.now`). */
  now?: () => number;
}

/** A master that misses this many of its own periods is taken as gone. */
const MASTER_SILENT_PERIODS = 3;
/** The largest message a node takes from the master. */
const MAX_MASTER_MESSAGE_BYTES = 64 * 1024 * 1024;
/** Requests waiting for an answer at once; more are refused at once. */
const MAX_PENDING_REQUESTS = 1024;

// The events of this class, typed: the interface only narrows the signatures of the methods it inherits.
// eslint-disable-next-line @typescript-eslint/no-unsafe-declaration-merging
export interface TransportClient {
  on<E extends keyof TransportClientEvents>(event: E, listener: (payload: TransportClientEvents[E]) => void): this;
  once<E extends keyof TransportClientEvents>(event: E, listener: (payload: TransportClientEvents[E]) => void): this;
  off<E extends keyof TransportClientEvents>(event: E, listener: (payload: TransportClientEvents[E]) => void): this;
  emit<E extends keyof TransportClientEvents>(event: E, payload: TransportClientEvents[E]): boolean;
}

/**
 * The node end of the transport. Emits `state` with each desired list newer
 * than the last one it emitted, asks for a snapshot on start and whenever the
 * master's heartbeat shows it is behind, and sends a heartbeat with a status
 * report every period.
 */
// Messages the DEALER keeps while the master is unreachable.
const DEALER_QUEUE = 8;

// eslint-disable-next-line @typescript-eslint/no-unsafe-declaration-merging
export class TransportClient extends SafeEmitter<TransportClientEvents> {
  private readonly options: ReturnType<typeof checkClientOptions>;
  private readonly link: Link;
  private readonly pending = new Map<
    number,
    { resolve: (answer: unknown) => void; reject: (error: TransportError) => void; timer: NodeJS.Timeout }
  >();
  private nextRequest = 1;
  private unprovenFailing = false;
  private subscriber: Subscriber | undefined;
  private dealer: Dealer | undefined;
  private dealerSender: SerialSender | undefined;
  private timer: NodeJS.Timeout | undefined;
  private epoch: string | null = null;
  private revision = 0;
  private applied: { epoch: string; revision: number } | null = null;
  private connected = false;
  private masterSeen = 0;
  private masterPeriodMs: number;
  private lastSnapshotRequest = -Infinity;
  private ticking = false;
  private authFailing = false;
  private started = false;
  private closed = false;

  /**
   * Checks the options (throws DPD_TRANSPORT_OPTIONS, DPD_TRANSPORT_NODE or DPD_TRANSPORT_KEY); connects nothing until
   * start().
   */
  constructor(options: TransportClientOptions) {
    super();
    this.options = checkClientOptions(options);
    this.masterPeriodMs = this.options.heartbeatMs;
    const { curve, node } = this.options;
    this.link = curve
      ? nodeLink(
          deriveNodeKeys(
            {
              secretKey: curve.secretKey,
              peerPublicKey: curve.serverKey,
              masterPublicKey: curve.serverKey,
              nodePublicKey: curve.publicKey,
            },
            node,
          ),
        )
      : PLAIN_LINK;
  }

  /**
   * Connects (the master need not be up yet), asks for a snapshot and starts the heartbeat. Rejects with
   * DPD_TRANSPORT_CONNECT or DPD_TRANSPORT_CLOSED.
   */
  async start(): Promise<void> {
    if (this.closed) throw new TransportError('DPD_TRANSPORT_CLOSED', 'the client was closed');
    if (this.started) return;
    const { node, updates, stats, curve, reconnect, heartbeatMs } = this.options;
    const remote = curve ? undefined : [updates, stats].find((endpoint) => !isLocalEndpoint(endpoint));
    if (remote !== undefined && !this.options.plaintextRemote) {
      throw new TransportError(
        'DPD_TRANSPORT_PLAINTEXT',
        `refusing to connect in plaintext to ${remote}, another host: anyone on the way can read this node's desired state and pose as it; configure CURVE keys, or allow it explicitly (plaintextRemote)`,
      );
    }
    this.started = true;
    const common = {
      linger: 0,
      maxMessageSize: MAX_MASTER_MESSAGE_BYTES,
      reconnectInterval: reconnect.initialMs,
      reconnectMaxInterval: reconnect.maxMs,
      ...(curve
        ? { curveServerKey: curve.serverKey, curvePublicKey: curve.publicKey, curveSecretKey: curve.secretKey }
        : {}),
    };
    try {
      this.subscriber = new Subscriber(common);
      // A short queue: while the master is away, a few messages wait for it (the first snapshot request among
      // them) and the rest are dropped, not hoarded: a report is stale a period later, and may carry job logs.
      this.dealer = new Dealer({ ...common, sendTimeout: 0, sendHighWaterMark: DEALER_QUEUE });
    } catch (cause) {
      // E.g. EMFILE: ZeroMQ's limit of sockets per context, or the process's of files.
      this.shutdown();
      throw new TransportError(
        'DPD_TRANSPORT_CONNECT',
        `cannot open the sockets to the master: ${(cause as Error).message}`,
        { cause },
      );
    }
    this.dealerSender = new SerialSender(this.dealer, (error) => this.report(error));
    this.subscriber.subscribe(stateTopic(node));
    for (const socket of [this.subscriber, this.dealer]) {
      socket.events.on('handshake:error:auth', (event) => {
        // Reported once per run of failures, not on every reconnect attempt.
        if (this.authFailing) return;
        this.authFailing = true;
        this.report(
          new TransportError('DPD_TRANSPORT_AUTH', `the master at ${event.address} refused this node's key`, {
            cause: event.error,
          }),
        );
      });
      socket.events.on('handshake', () => (this.authFailing = false));
    }
    for (const [socket, endpoint] of [
      [this.subscriber, updates],
      [this.dealer, stats],
    ] as const) {
      try {
        socket.connect(endpoint);
      } catch (cause) {
        this.shutdown();
        throw endpointError('DPD_TRANSPORT_CONNECT', 'connect to', endpoint, cause);
      }
    }
    void this.receiveUpdates(this.subscriber);
    void this.receiveReplies(this.dealer);
    this.requestSnapshot();
    this.timer = setInterval(() => void this.tick(), heartbeatMs);
    void this.tick();
  }

  /** Records the revision this node has applied; the next heartbeats carry it. */
  setApplied(revision: number): void {
    this.applied = this.epoch === null ? null : { epoch: this.epoch, revision };
  }

  /**
   * Asks the master something it answers once (for example a claim on a job),
   * sealed for this node. Resolves with the answer; rejects with
   * DPD_TRANSPORT_TIMEOUT when none came within `timeoutMs` (the master may be
   * away: ask again later), or DPD_TRANSPORT_CLOSED.
   */
  request(request: unknown, timeoutMs = 5_000): Promise<unknown> {
    if (this.closed || !this.started)
      return Promise.reject(new TransportError('DPD_TRANSPORT_CLOSED', 'the client is not running'));
    if (this.pending.size >= MAX_PENDING_REQUESTS)
      return Promise.reject(
        new TransportError(
          'DPD_TRANSPORT_TIMEOUT',
          `${MAX_PENDING_REQUESTS} requests are already waiting for the master`,
        ),
      );
    const id = this.nextRequest++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(
          new TransportError('DPD_TRANSPORT_TIMEOUT', `the master did not answer request ${id} within ${timeoutMs} ms`),
        );
      }, timeoutMs);
      this.pending.set(id, { resolve, reject, timer });
      const { node } = this.options;
      this.dealerSender?.send([
        encode({ v: 2, type: 'request', node, ...this.link.put(aadOf.node('request', node), { id, request }) }),
      ]);
    });
  }

  /** Stops the heartbeat and closes the sockets (linger 0: never waits for the master). */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.shutdown();
  }

  private shutdown(): void {
    clearInterval(this.timer);
    for (const { reject, timer } of this.pending.values()) {
      clearTimeout(timer);
      reject(new TransportError('DPD_TRANSPORT_CLOSED', 'the client was closed'));
    }
    this.pending.clear();
    for (const socket of [this.subscriber, this.dealer]) if (socket && !socket.closed) socket.close();
  }

  private requestSnapshot(): void {
    this.lastSnapshotRequest = this.options.now();
    const { node } = this.options;
    this.dealerSender?.send([
      encode({ v: 2, type: 'snapshot.request', node, ...this.link.put(aadOf.node('snapshot.request', node), {}) }),
    ]);
  }

  private async tick(): Promise<void> {
    const now = this.options.now();
    if (this.connected && now - this.masterSeen > MASTER_SILENT_PERIODS * this.masterPeriodMs) {
      this.connected = false;
      this.fire('disconnected', {});
    }
    // A slow report() skips periods instead of piling them up.
    if (this.ticking || this.closed) return;
    this.ticking = true;
    let report: NodeReport | null = null;
    try {
      report = await this.options.report();
    } catch (cause) {
      this.report(
        new TransportError('DPD_TRANSPORT_REPORT', `report() failed: ${(cause as Error)?.message}`, { cause }),
      );
    }
    this.ticking = false;
    if (this.closed) return;
    const { node, heartbeatMs } = this.options;
    this.dealerSender?.send([
      encode({
        v: 2,
        type: 'heartbeat',
        node,
        ...this.link.put(aadOf.node('heartbeat', node), { periodMs: heartbeatMs, applied: this.applied, report }),
      }),
    ]);
  }

  private async receiveUpdates(subscriber: Subscriber): Promise<void> {
    try {
      for await (const [topicFrame, body] of subscriber) {
        try {
          const topic = parseTopic(topicFrame?.toString() ?? '');
          // Exact match even if a subscription ever matched by prefix.
          if (topic?.node !== this.options.node) continue;
          const message = decodeMasterMessage(body);
          if (message.type === 'heartbeat') this.masterHeartbeat(message);
          else if (message.type === 'state' && message.node === this.options.node) {
            // A state is the master speaking too: on a busy machine it can
            // arrive before the first heartbeat, and the master may be gone
            // again before that heartbeat does.
            this.seen(message.epoch);
            this.offer(message);
          }
        } catch (error) {
          this.report(
            error instanceof TransportError
              ? error
              : new TransportError('DPD_TRANSPORT_MESSAGE', String(error), { cause: error }),
          );
        }
      }
    } catch (error) {
      if (!this.closed)
        this.report(
          new TransportError('DPD_TRANSPORT_CLOSED', 'the updates socket stopped receiving', { cause: error }),
        );
    }
  }

  private async receiveReplies(dealer: Dealer): Promise<void> {
    try {
      for await (const frames of dealer) {
        try {
          const message = decodeMasterMessage(frames[frames.length - 1]);
          this.seen(message.type === 'error' || message.type === 'answer' ? null : message.epoch);
          if (message.type === 'snapshot' && message.node === this.options.node) this.offer(message);
          else if (message.type === 'answer' && message.node === this.options.node) this.answered(message);
          else if (message.type === 'error') {
            const code: TransportErrorCode = Object.hasOwn(TRANSPORT_ERROR_CODES, message.code)
              ? (message.code as TransportErrorCode)
              : 'DPD_TRANSPORT_MESSAGE';
            this.report(new TransportError(code, `the master rejected a message of this node: ${message.message}`));
          }
        } catch (error) {
          this.report(
            error instanceof TransportError
              ? error
              : new TransportError('DPD_TRANSPORT_MESSAGE', String(error), { cause: error }),
          );
        }
      }
    } catch (error) {
      if (!this.closed)
        this.report(new TransportError('DPD_TRANSPORT_CLOSED', 'the stats socket stopped receiving', { cause: error }));
    }
  }

  private masterHeartbeat(message: MasterHeartbeatMessage): void {
    this.masterPeriodMs = message.periodMs;
    this.seen(message.epoch);
    const theirs = message.revisions[this.options.node] ?? 0;
    const behind = theirs > 0 && (message.epoch !== this.epoch || theirs > this.revision);
    // One request in flight per period: a lost request or answer is retried by a later heartbeat.
    if (behind && this.options.now() - this.lastSnapshotRequest >= this.options.heartbeatMs) this.requestSnapshot();
  }

  private seen(epoch: string | null): void {
    if (epoch === null) return;
    this.masterSeen = this.options.now();
    if (!this.connected) {
      this.connected = true;
      this.fire('connected', { epoch });
    }
  }

  /**
   * What a master message carries, opened with this node's key; undefined (reported once per run of failures) when it
   * does not open.
   */
  private opened<T>(
    type: 'state' | 'snapshot' | 'answer',
    aad: readonly (string | number)[],
    message: { box?: string; body?: unknown },
  ): T | undefined {
    const body = this.link.take(aad, message);
    if (body === undefined) {
      if (!this.unprovenFailing) {
        this.unprovenFailing = true;
        const why = this.link.sealed
          ? `does not open with this node's key: the master binds another key to ${JSON.stringify(this.options.node)}`
          : 'is sealed, and this node has no CURVE keys';
        this.report(new TransportError('DPD_TRANSPORT_UNPROVEN', `a ${type} from the master ${why}`));
      }
      return undefined;
    }
    this.unprovenFailing = false;
    return checkBody<T>('master', type, body);
  }

  // Revision 0 means the master has nothing for this node yet (e.g. it just restarted); keep what we have.
  private offer(message: StateMessage): void {
    if (message.revision < 1) return;
    if (message.epoch === this.epoch && message.revision <= this.revision) return;
    const body = this.opened<StateBody>(
      message.type,
      aadOf.state(message.type, message.epoch, message.node, message.revision),
      message,
    );
    if (!body) return;
    this.epoch = message.epoch;
    this.revision = message.revision;
    this.fire('state', { epoch: message.epoch, revision: message.revision, procs: body.procs });
  }

  private answered(message: AnswerMessage): void {
    const body = this.opened<AnswerBody>('answer', aadOf.answer(message.node), message);
    const waiting = body && this.pending.get(body.id);
    if (!waiting) return;
    this.pending.delete(body.id);
    clearTimeout(waiting.timer);
    waiting.resolve(body.answer);
  }
}
