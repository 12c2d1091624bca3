// The four files and the job spec, built from the process schema.
import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { Account, ArgList, Command, Duration, Endpoint, Env, Path, Size, daemonFileKeys, hinted } from './common.js';
import { FILE_NAME_PATTERN, FILE_NAME_WORDS } from './download-name.js';
import { NODE_NAME_PATTERN, NODE_NAME_TEMPLATE_PATTERN, NODE_NAME_WORDS } from './units.js';
import { ProcSchema } from './proc.js';

const ProcList = (description: string) =>
  Type.Array(ProcSchema, { description, 'x-expected': 'an array of process definitions' });

export const WorkerSchema = Type.Object(
  {
    ...daemonFileKeys,
    procs: ProcList('Processes this node runs.'),
    stop_on_exit: Type.Optional(
      Type.Boolean({
        description:
          'Stop the processes when the worker exits. Default false: they keep running and are adopted by the next worker.',
      }),
    ),
    state_dir: Type.Optional(
      Path('Where the worker records its processes. Default: <file name without .json>.state beside the file.'),
    ),
    control_socket: Type.Optional(
      Path('Unix socket for dpd-ctl (mode 0600). Default: <file name without .json>.sock beside the file.'),
    ),
  },
  { additionalProperties: false, title: 'diprocd worker file' },
);

export const URL_PATTERN = '^(?:https?|file)://.+$';
const Url = (description: string) =>
  hinted(Type.String({ pattern: URL_PATTERN, description }), {
    'x-expected': 'an http, https or file URL',
    'x-code': 'DPD_SPEC_URL',
  });

const NodeName = (description: string) =>
  hinted(Type.String({ pattern: NODE_NAME_PATTERN, description }), {
    'x-expected': NODE_NAME_WORDS,
    'x-code': 'DPD_SPEC_NAME',
  });

/** A DNS name: dot-separated labels of letters, digits and inner hyphens. */
export const HOST_NAME_PATTERN =
  '^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$';

export const HTTP_ADDRESS_PATTERN = '^(?:\\[[0-9a-fA-F:.]+\\]|[A-Za-z0-9.-]+):[0-9]{1,5}$';
const HttpAddress = (description: string) =>
  hinted(Type.String({ pattern: HTTP_ADDRESS_PATTERN, description }), {
    'x-expected': 'HOST:PORT, e.g. "127.0.0.1:5080"',
    'x-code': 'DPD_SPEC_ENDPOINT',
  });

// A key as key files hold it: a file path, or the 40-character Z85 text itself.
const KeyRef = (description: string) =>
  Type.String({ minLength: 1, description, 'x-expected': 'a key file path or a 40-character Z85 key' });

const timing = {
  heartbeat: Type.Optional(Duration('How often heartbeats go out. Default "1s".', { positive: true })),
};

export const MasterSchema = Type.Object(
  {
    ...daemonFileKeys,
    master_stats: Endpoint('Where the master receives heartbeats and status from nodes.'),
    master_updates: Endpoint("Where the master publishes each node's desired processes."),
    http: Type.Optional(HttpAddress('Where the HTTP API listens. Default "127.0.0.1:5080" (loopback).')),
    http_tls: Type.Optional(
      Type.Object(
        {
          cert: Path("The API's certificate file (PEM; the chain after it, if any)."),
          key: Path("The certificate's private key file (PEM, mode 0600)."),
        },
        {
          additionalProperties: false,
          description:
            'Serve the HTTP API over TLS (https) with this certificate and key. Read when the master starts.',
          'x-expected': 'an object with cert and key',
        },
      ),
    ),
    http_plaintext_remote: Type.Optional(
      Type.Boolean({
        description:
          'Serve the API as plain HTTP although `http` is not a loopback address (the token and job specs cross the network in clear). Default false: without http_tls, a non-loopback `http` is refused.',
      }),
    ),
    http_hostnames: Type.Optional(
      Type.Array(
        Type.String({
          pattern: HOST_NAME_PATTERN,
          description: 'A DNS name clients use to reach the API.',
          'x-expected': 'a host name such as "master.example.com"',
        }),
        {
          description:
            'Names the API is served on, besides IP addresses and "localhost": a request whose Host header names anything else is refused (421), against DNS rebinding. Default: none.',
          'x-expected': 'an array of host names',
        },
      ),
    ),
    api_token: Type.Optional(
      Type.String({
        minLength: 16,
        description:
          "Bearer token every write to the HTTP API must carry (or DPD_API_TOKEN in the master's environment). Without one, writes are refused.",
        'x-expected': 'a string of at least 16 characters',
      }),
    ),
    state_dir: Type.Optional(
      Path('Where the master keeps jobs and their results. Default: <file name without .json>.state beside the file.'),
    ),
    curve: Type.Optional(
      Type.Object(
        {
          secret_key: Path("The master's secret key file (mode 0600), as dpd-ctl keygen writes it."),
          public_key: Path("The master's public key file."),
          allow: Type.Union(
            [
              Type.Record(Type.String({ pattern: NODE_NAME_PATTERN }), KeyRef("This node's public key."), {
                additionalProperties: false,
                'x-expected': 'an object of node name → key file or Z85 key',
                'x-key': NODE_NAME_WORDS,
                'x-code': 'DPD_SPEC_NAME',
              }),
              Type.Array(KeyRef('A key file named after its node (<node>.pub).')),
            ],
            {
              description:
                "Each node's public key (a file or Z85 text), by node name: a key proves only its own node, and any other key is refused and logged. The older list form binds each key file to the node it is named after (keys/node1.pub → node1), with a warning.",
              'x-expected': 'an object of node name → key file or key (or a list of <node>.pub key files)',
            },
          ),
        },
        {
          additionalProperties: false,
          description: 'CURVE encryption and authentication. Without it the transport is plaintext.',
          'x-expected': 'an object with secret_key, public_key and allow',
        },
      ),
    ),
    plaintext_remote: Type.Optional(
      Type.Boolean({
        description:
          "Without curve, bind the transport in plaintext even on an address other hosts can reach (anyone there can then read every node's env and pose as any node). Default false: refused.",
      }),
    ),
    ...timing,
    jobs_allow_root: Type.Optional(
      Type.Boolean({
        description:
          'Accept jobs that ask for user "root" (or 0). Default false: such a job is refused at submit, and no job ever runs as root.',
      }),
    ),
    job_users: Type.Optional(
      Type.Array(Account('A user a job may ask for.', 'user'), {
        description:
          "The users other than root that a job may name in its `user`. Default none: every job runs as its node's job_user.",
        'x-expected': 'an array of user names or ids',
      }),
    ),
    suspect_after: Type.Optional(Duration('A node silent this long is suspect. Default "3s".', { positive: true })),
    down_after: Type.Optional(Duration('A node silent this long is down. Default "10s".', { positive: true })),
    job_lost_after: Type.Optional(
      Duration(
        'A job whose claim was granted is reported lost when no report of its node has mentioned it for this long. Default "10m".',
        { positive: true },
      ),
    ),
    nodes: Type.Record(Type.String({ pattern: NODE_NAME_PATTERN }), ProcList('Processes of this node.'), {
      additionalProperties: false,
      description: 'For each node name, the processes it runs.',
      'x-expected': 'an object of node name → process list',
      'x-key': NODE_NAME_WORDS,
      'x-code': 'DPD_SPEC_NAME',
    }),
  },
  { additionalProperties: false, title: 'diprocd master file' },
);

export const ClientSchema = Type.Object(
  {
    ...daemonFileKeys,
    master_stats: Endpoint("The master's status endpoint."),
    master_updates: Endpoint("The master's update endpoint."),
    node_name: Type.Optional(
      hinted(
        Type.String({
          pattern: NODE_NAME_TEMPLATE_PATTERN,
          description: 'This node\'s name in the master file; "%H" is the host name. Default "%H".',
        }),
        {
          'x-expected': `${NODE_NAME_WORDS}, where "%H" stands for the host name`,
          'x-code': 'DPD_SPEC_NAME',
        },
      ),
    ),
    conf_file: Path('The worker file this client writes.'),
    control_socket: Type.Optional(
      Path(
        "The worker's control socket, for status reports. Default: <conf_file without .json>.sock, as dpd-workerd's default.",
      ),
    ),
    job_user: Type.Optional(
      Account(
        'User a job runs as when it names none. Default "nobody" (when the node runs as root; else its own user). Never root: a job runs as root only when it asks for it and the master file allows it.',
        'user',
      ),
    ),
    job_file_dirs: Type.Optional(
      Type.Array(Path('A directory file:// downloads may read from.'), {
        description:
          "Directories a job's file:// download_urls may read from. The path is resolved (symlinks followed) and must stay inside one of them; the file is read as the job's user. Default none: file:// URLs are refused.",
        'x-expected': 'an array of directory paths',
      }),
    ),
    job_download_max_size: Type.Optional(
      Size('The most a job\'s downloads may take together; a download that passes it fails the job. Default "1G".'),
    ),
    curve: Type.Optional(
      Type.Object(
        {
          secret_key: Path("This node's secret key file (mode 0600)."),
          public_key: Path("This node's public key file."),
          master_key: KeyRef("The master's public key."),
        },
        {
          additionalProperties: false,
          description: "CURVE: this node's key pair and the master's public key.",
          'x-expected': 'an object with secret_key, public_key and master_key',
        },
      ),
    ),
    plaintext_remote: Type.Optional(
      Type.Boolean({
        description:
          "Without curve, connect in plaintext even to a master on another host (anyone on the way can read this node's list and pose as it). Default false: refused.",
      }),
    ),
    ...timing,
  },
  { additionalProperties: false, title: 'diprocd client file' },
);

/**
 * How deep a job's config may nest: deep enough for any real settings, shallow enough to copy without recursion limits.
 */
const CONFIG_MAX_DEPTH = 64;

export const JobSchema = Type.Object(
  {
    $schema: daemonFileKeys.$schema,
    cmd: Command('Command to run in the job directory; "$APP_SETTINGS" is replaced by the settings file path.'),
    name: Type.Optional(Type.String({ minLength: 1, description: 'A label for listings.' })),
    node: Type.Optional(NodeName('Run on this node only.')),
    download_urls: Type.Optional(
      Type.Union(
        [
          Type.Record(Type.String({ pattern: FILE_NAME_PATTERN }), Url('Where to fetch this file.'), {
            additionalProperties: false,
            'x-expected': 'an object of file name → URL',
            'x-key': FILE_NAME_WORDS,
          }),
          Type.Array(Url('A URL; the file is named by its last path segment.')),
        ],
        {
          description:
            'Files fetched into the job directory: file name → URL, or a list of URLs named by their basename.',
          'x-expected': 'an object of file name → URL, or an array of URLs',
        },
      ),
    ),
    // Free-form: any key, any JSON, so no additionalProperties: false here.
    config: Type.Optional(
      Type.Record(Type.String(), Type.Unknown(), {
        description: `Written to a JSON file whose absolute path is in APP_SETTINGS_JSON. Nested at most ${CONFIG_MAX_DEPTH} levels deep.`,
        'x-expected': 'an object',
        'x-max-depth': CONFIG_MAX_DEPTH,
      }),
    ),
    env: Type.Optional(Env('Environment added for the job.')),
    user: Type.Optional(
      Account(
        'User the job runs as. Default: its node\'s job_user ("nobody"). Root only when the master file sets jobs_allow_root; another user only when the master file\'s job_users lists it.',
        'user',
      ),
    ),
    timeout: Type.Optional(Duration("Limit on the job's run.", { positive: true })),
    python_deps: Type.Optional(ArgList('Python packages installed into a virtual environment in the job directory.')),
    python_cheeseshop: Type.Optional(Url('Python package index to install from.')),
    npm_deps: Type.Optional(ArgList('npm packages installed into the job directory.')),
    npm_registry: Type.Optional(Url('npm registry to install from.')),
    keep_workdir_on_failure: Type.Optional(
      Type.Boolean({ description: 'Keep the job directory when the job fails. Default false.' }),
    ),
  },
  { additionalProperties: false, title: 'diprocd job spec' },
);

/** The kinds of file diprocd reads. */
export const KINDS = ['proc', 'worker', 'master', 'client', 'job'] as const;
export type FileKind = (typeof KINDS)[number];

export const SCHEMAS: Record<FileKind, TSchema> = {
  proc: ProcSchema,
  worker: WorkerSchema,
  master: MasterSchema,
  client: ClientSchema,
  job: JobSchema,
};

export const KIND_TITLES: Record<FileKind, string> = {
  proc: 'process definition',
  worker: 'worker file',
  master: 'master file',
  client: 'client file',
  job: 'job spec',
};

export type WorkerInput = Static<typeof WorkerSchema>;
export type MasterInput = Static<typeof MasterSchema>;
export type ClientInput = Static<typeof ClientSchema>;
export type JobInput = Static<typeof JobSchema>;
