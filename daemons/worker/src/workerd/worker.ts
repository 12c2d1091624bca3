// dpd-workerd's body: the worker file, the supervisor, the file watch and
// the control socket, wired together. It logs; main() owns the process.
import type { Server } from 'node:net';
import type { WorkerFile } from '@diprocd/procspec';
import { Supervisor, SupervisorError, type ApplyResult, type SupervisorEventName } from '@diprocd/supervisor';
import { serveControl } from '../control/server.js';
import {
  ControlError,
  FollowedFile,
  type ControlRequest as Request,
  type ControlResults as Results,
  type Level,
  type Logger,
} from '@diprocd/daemonkit';
import { loadWorkerFile, workerPaths } from './paths.js';

// How each supervisor event is logged.
const EVENT_LEVELS: Record<SupervisorEventName, Level> = {
  'proc.start': 'info',
  'proc.exit': 'info',
  'proc.restart': 'info',
  'proc.backoff': 'info',
  'proc.gave-up': 'warn',
  'proc.stop': 'info',
  'proc.paused': 'info',
  'proc.resumed': 'info',
  'proc.log-start': 'info',
  'proc.log-exit': 'info',
  'proc.log-dropped': 'warn',
  'proc.adopted': 'info',
  'proc.state': 'debug',
  'proc.error': 'error',
};

export class Worker {
  private readonly supervisor: Supervisor;
  private readonly followed: FollowedFile<WorkerFile>;
  private server: Server | undefined;
  private readonly startedAt = Date.now();
  /** Resolves when the worker has shut down. */
  readonly closed: Promise<void>;
  private resolveClosed!: () => void;
  private shuttingDown = false;

  private constructor(
    readonly file: string,
    private worker: WorkerFile,
    text: string,
    private readonly log: Logger,
  ) {
    this.paths = workerPaths(file, worker);
    this.closed = new Promise((resolve) => (this.resolveClosed = resolve));
    this.supervisor = new Supervisor({ stateDir: this.paths.stateDir });
    for (const [event, level] of Object.entries(EVENT_LEVELS) as [SupervisorEventName, Level][]) {
      this.supervisor.on(event, (payload) => {
        if (event === 'proc.error') {
          const { name, error } = payload as { name: string | null; error: { code: string; message: string } };
          this.log.log(level, event, { name, code: error.code, message: error.message });
        } else {
          this.log.log(level, event, payload as Record<string, unknown>);
        }
      });
    }
    this.followed = new FollowedFile(file, text, loadWorkerFile, log, async (next) => {
      const moved = Object.entries(workerPaths(this.file, next)).filter(
        ([key, value]) => this.paths[key as keyof typeof this.paths] !== value,
      );
      if (moved.length > 0)
        this.log.warn('file.needs-restart', {
          changed: moved.map(([key]) => key),
          note: 'paths take effect when the worker restarts',
        });
      this.worker = next;
      return summary(await this.supervisor.apply(next.procs));
    });
  }

  /** Fixed at start: a reload does not move the state, socket, pid file or log. */
  readonly paths: ReturnType<typeof workerPaths>;

  /** Starts supervising `worker` (already validated from `text`). */
  static async start(file: string, worker: WorkerFile, text: string, log: Logger): Promise<Worker> {
    const self = new Worker(file, worker, text, log);
    // The socket first: if it is taken, nothing has been started.
    self.server = await serveControl(self.paths.socket, (request) => self.handle(request));
    const result = await self.supervisor.apply(worker.procs);
    log.info('file.load', { file, ...summary(result) });
    self.followed.start();
    return self;
  }

  /**
   * Re-reads the file; a valid change is applied (only changed processes
   * move), an invalid one is reported and the last good state keeps running.
   */
  reload(reason: 'watch' | 'signal' | 'control'): Promise<Results['reload']> {
    return this.shuttingDown
      ? Promise.resolve({ changed: false, valid: true, issues: [] })
      : this.followed.reload(reason);
  }

  private async handle(request: Request): Promise<unknown> {
    switch (request.cmd) {
      case 'status':
        return {
          worker: {
            pid: process.pid,
            file: this.file,
            stateDir: this.paths.stateDir,
            startedAt: this.startedAt,
            fileIssues: this.followed.issues,
          },
          procs: this.supervisor.status(),
        } satisfies Results['status'];
      case 'start':
      case 'stop':
      case 'restart':
      case 'reset':
        this.log.info(`ctl.${request.cmd}`, { name: request.name });
        return this.supervisor[request.cmd](request.name);
      case 'logs': {
        const proc = this.worker.procs.find((p) => p.name === request.name);
        if (!proc) throw new SupervisorError('DPD_UNKNOWN_PROCESS', `no process named ${JSON.stringify(request.name)}`);
        return { name: proc.name, logs: proc.logs } satisfies Results['logs'];
      }
      case 'reload':
        return this.reload('control');
      case 'shutdown':
        // Answer first, then go.
        setImmediate(() => void this.shutdown(request.stopProcesses));
        return { stopping: request.stopProcesses || this.worker.stop_on_exit } satisfies Results['shutdown'];
      default:
        throw new ControlError(
          'DPD_CONTROL_PROTOCOL',
          `unknown command ${JSON.stringify((request as { cmd: unknown }).cmd)}`,
        );
    }
  }

  /** Stops watching and serving; stops the processes too when asked or when the file says stop_on_exit. */
  async shutdown(stopProcesses = false): Promise<void> {
    if (this.shuttingDown) return this.closed;
    this.shuttingDown = true;
    const stop = stopProcesses || this.worker.stop_on_exit;
    this.log.info('worker.stopping', { stopProcesses: stop });
    this.server?.close();
    await this.followed.close();
    await this.supervisor.close({ stopProcesses: stop });
    this.log.info('worker.stopped', { processes: stop ? 'stopped' : 'left running, to be adopted by the next worker' });
    this.resolveClosed();
  }
}

function summary(result: ApplyResult) {
  return {
    started: result.started,
    stopped: result.stopped,
    restarted: result.restarted,
    updated: result.updated,
    adopted: result.adopted,
    unchanged: result.unchanged.length,
  };
}
