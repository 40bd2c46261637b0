import { Type, type Static } from '@sinclair/typebox';
import { StringEnum } from '../schemas/string-enum';
import type { RedisTopology } from '../redis/redis-topology';

/** `host:port,host:port,…` */
const HOST_PORT_LIST = '^[^\\s,:]+:[0-9]{1,5}(,[^\\s,:]+:[0-9]{1,5})*$';

/**
 * Every setting of the API and the worker, in one schema: validated once at start-up, typed from here, and the one
 * description of each setting. `description` is its meaning and, for a setting without a `default`, `whenUnset` what
 * an unset one means; docs/configuration.md's table and .env.example are generated from them
 * (`npm run config:docs`; a test keeps them current). Defaults point at the local PostgreSQL and Redis of a
 * development machine.
 */
export const ConfigSchema = Type.Object({
  NODE_ENV: StringEnum(['development', 'production', 'test'], {
    default: 'development',
    description: '`development`, `production` or `test`',
  }),
  PORT: Type.Integer({ minimum: 0, maximum: 65535, default: 3000, description: 'the port the API listens on' }),
  HOST: Type.String({ minLength: 1, default: '127.0.0.1', description: 'API bind address (`0.0.0.0` in containers)' }),
  PUBLIC_URL: Type.Optional(
    Type.String({
      pattern: '^https?://',
      whenUnset: '`/`, the origin that serves the document',
      description: "the URL clients reach the API at, named in the OpenAPI document's `servers`",
    }),
  ),
  DATABASE_URL: Type.String({
    pattern: '^postgres(ql)?://',
    default: 'postgres://postgres@127.0.0.1:5432/checkout',
    description: 'PostgreSQL; the database is created if missing',
  }),
  DATABASE_DIRECT_URL: Type.Optional(
    Type.String({
      pattern: '^postgres(ql)?://',
      whenUnset: '`DATABASE_URL`',
      description:
        "a session connection to the primary, for what needs a session: migrations and the relay's leader lock (a session advisory lock); " +
        'set it when `DATABASE_URL` is a transaction-mode pooler such as PgBouncer (see [postgresql.md](postgresql.md))',
    }),
  ),
  DB_PREPARED_STATEMENTS: Type.Boolean({
    default: true,
    description:
      'hot-path statements as named prepared statements (parsed and planned once per connection); `false` for poolers that do not ' +
      'track them across server connections (PgBouncer before 1.21 in transaction mode)',
  }),
  DB_POOL_MAX: Type.Integer({
    minimum: 1,
    maximum: 200,
    default: 10,
    description: "connections per process (a worker's pool is at least `PLACEMENT_GROUPS_IN_FLIGHT` + 2; see below the table)",
  }),
  ORDER_READS_IN_FLIGHT: Type.Integer({
    minimum: 1,
    maximum: 200,
    default: 1,
    description:
      'order polls one API process reads in at most this many statements at once (capped at `DB_POOL_MAX`); polls that come ' +
      'meanwhile wait and are read together, in one statement, when one of those ends',
  }),
  CHECKOUT_ACCEPTS_IN_FLIGHT: Type.Integer({
    minimum: 1,
    maximum: 200,
    default: 2,
    description:
      'checkout accept transactions one API process runs at once (capped at `DB_POOL_MAX`); checkouts that come meanwhile wait and ' +
      'are accepted together, one transaction per group, each with its own answer; their jobs go to Redis in one `addBulk`',
  }),
  CHECKOUT_ACCEPT_GROUP_MAX: Type.Integer({
    minimum: 1,
    maximum: 200,
    default: 32,
    description: 'checkouts one accept transaction takes at most (`1`: a transaction per checkout)',
  }),
  REDIS_URL: Type.Optional(
    Type.String({
      pattern: '^rediss?://',
      whenUnset: '`redis://127.0.0.1:6379` when none of the three is set',
      description:
        'one Redis server (queues, rate limits, ML events stream); `rediss://` for TLS. Exactly one of `REDIS_URL`, `REDIS_SENTINELS` ' +
        'and `REDIS_CLUSTER_NODES` may be set: two refuse to start, naming both (see [redis.md](redis.md))',
    }),
  ),
  REDIS_SENTINELS: Type.Optional(
    Type.String({
      pattern: HOST_PORT_LIST,
      description:
        'Redis behind Sentinel: the sentinels, `host:port,host:port,…`; every process follows a failover to the new master without a restart',
    }),
  ),
  REDIS_SENTINEL_NAME: Type.Optional(
    Type.String({ minLength: 1, description: 'the master group the sentinels watch (required with `REDIS_SENTINELS`)' }),
  ),
  REDIS_SENTINEL_PASSWORD: Type.Optional(
    Type.String({ minLength: 1, description: "the sentinels' own password, when they require one (`REDIS_PASSWORD` is the data servers')" }),
  ),
  REDIS_CLUSTER_NODES: Type.Optional(
    Type.String({ pattern: HOST_PORT_LIST, description: 'Redis Cluster: some of its nodes, `host:port,host:port,…` (the rest are discovered)' }),
  ),
  REDIS_PASSWORD: Type.Optional(
    Type.String({ minLength: 1, description: 'password of the Redis servers, for whichever of the three is set' }),
  ),
  QUEUE_PREFIX: Type.Optional(
    Type.String({
      pattern: '^[A-Za-z0-9_:.{}-]{1,64}$',
      whenUnset: '`checkout`; `{checkout}` with `REDIS_CLUSTER_NODES`',
      description:
        'prefix of every key the service writes to Redis (queues, rate limits), so that several deployments (or test runs) can share ' +
        "one Redis; on a Cluster it must carry a hash tag (`{…}`) so that each queue's keys share one hash slot",
    }),
  ),
  JWT_SECRET: Type.Optional(
    Type.String({
      whenUnset: 'a development secret, with a loud warning (refused when `NODE_ENV=production`)',
      description:
        'HS256 secret, at least 32 bytes (e.g. `openssl rand -base64 48`): the tokens of development and tests (refused once an identity provider is configured) and ' +
        'the key the Bull Board session cookie is derived from. **Required** when `NODE_ENV=production`, where the development ' +
        'default and the `.env.example` placeholder are refused',
    }),
  ),
  JWT_ISSUER: Type.Optional(
    Type.String({
      minLength: 1,
      description: 'when set, tokens must carry this `iss`; with `JWT_OIDC_DISCOVERY`, the identity provider whose keys are fetched',
    }),
  ),
  JWT_AUDIENCE: Type.Optional(Type.String({ minLength: 1, description: 'when set, tokens must carry this `aud`' })),
  JWT_JWKS_URL: Type.Optional(
    Type.String({
      pattern: '^https?://',
      whenUnset: 'HS256 tokens signed with `JWT_SECRET`',
      description:
        "an OpenID Connect provider's JWKS: tokens are then RS256, ES256 or PS256, verified against its keys chosen by `kid`; " +
        'HS256 tokens are refused',
    }),
  ),
  JWT_OIDC_DISCOVERY: Type.Boolean({
    default: false,
    description: "`true`: find the JWKS in `JWT_ISSUER`'s discovery document (`/.well-known/openid-configuration`) instead of `JWT_JWKS_URL`",
  }),
  JWT_ROLES_CLAIM: Type.String({
    minLength: 1,
    default: 'role',
    description:
      "where a token carries the user's roles, a dot path to a string or a list (`realm_access.roles` for Keycloak, a namespaced " +
      'custom claim for Auth0); the highest of `admin`, `seller`, `customer` it lists counts, none: `customer`',
  }),
  JWT_JWKS_REFRESH_SECONDS: Type.Integer({
    minimum: 1,
    maximum: 3600,
    default: 30,
    description:
      'an unknown `kid` (a key rotation) fetches the JWKS again at most once per this many seconds, so forged kids cannot flood ' +
      'the provider; keys are kept 10 minutes',
  }),
  JWT_MAX_AGE_SECONDS: Type.Integer({
    minimum: 60,
    maximum: 30 * 24 * 3600,
    default: 24 * 3600,
    description: 'the longest token lifetime accepted: a token whose `exp` lies further ahead is 401 (as is an `iat` more than 30 s in the future)',
  }),
  LOG_LEVEL: StringEnum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], {
    default: 'info',
    description: 'pino level (`fatal` … `trace`, `silent`)',
  }),
  CORS_ORIGINS: Type.Optional(
    Type.String({
      minLength: 1,
      whenUnset: '`http://localhost:4200` (the Angular dev server) in development, none otherwise',
      description: 'comma-separated origins a browser app may call the API from, `*` for any, `none` for none (see [angular.md](angular.md))',
    }),
  ),
  BODY_LIMIT_BYTES: Type.Integer({
    minimum: 1024,
    maximum: 10485760,
    default: 65536,
    description: 'largest request body accepted, in bytes (413 `PAYLOAD_TOO_LARGE` above it)',
  }),
  MIGRATE_ON_START: Type.Boolean({ default: true, description: 'run pending migrations when the API starts (guarded by an advisory lock)' }),
  LONG_POLL_RECHECK_MS: Type.Integer({
    minimum: 100,
    maximum: 60_000,
    default: 5_000,
    description:
      'while long-polls wait, each API process re-reads their orders this often (one statement for all of them, whatever their ' +
      'number): the safety net for a status announcement lost to a Redis outage',
  }),
  METRICS_TOKEN: Type.Optional(
    Type.String({
      minLength: 16,
      whenUnset: 'an admin JWT only',
      description: "the bearer token Prometheus sends to scrape the API's `/metrics` (16+ characters; an admin JWT works too)",
    }),
  ),
  LONG_POLL_MAX_PER_USER: Type.Integer({
    minimum: 1,
    default: 5,
    description: 'long-polls (`?wait=N`) one user may have waiting in one API process; more answer at once (current status, `Retry-After`)',
  }),
  LONG_POLL_MAX_PER_PROCESS: Type.Integer({
    minimum: 1,
    default: 5_000,
    description: 'long-polls one API process holds at once; more answer at once (current status, `Retry-After`)',
  }),
  CART_MAX_LINES: Type.Integer({
    minimum: 1,
    maximum: 10_000,
    default: 100,
    description: 'distinct products one cart may hold (422 `CART_TOO_LARGE` beyond)',
  }),
  RATE_LIMITS_ENABLED: Type.Boolean({
    default: true,
    description: 'rate limits on; `false` turns every limit off (e.g. for a load test). Every limit counts per minute, in Redis',
  }),
  RATE_LIMIT_LEASE_PERCENT: Type.Integer({
    minimum: 0,
    maximum: 50,
    default: 5,
    description:
      'share of a limit (%) an API process takes from Redis at once and counts locally (one Redis round trip per that many ' +
      'requests). The fleet never lets more than a limit through; a caller may be refused up to (API processes − 1) × that share ' +
      'early. `0`: every request counted in Redis',
  }),
  RATE_LIMIT_CHECKOUTS_PER_MINUTE: Type.Integer({
    minimum: 1,
    default: 10,
    description: 'checkouts per user per minute (429 `TOO_MANY_REQUESTS` beyond)',
  }),
  RATE_LIMIT_CART_WRITES_PER_MINUTE: Type.Integer({
    minimum: 1,
    default: 120,
    description: 'cart changes (add, change, remove) per user per minute',
  }),
  RATE_LIMIT_WRITES_PER_MINUTE: Type.Integer({
    minimum: 1,
    default: 120,
    description: 'other changes (cancel, ship, deliver, admin edits) per user per minute',
  }),
  RATE_LIMIT_READS_PER_MINUTE: Type.Integer({
    minimum: 1,
    default: 600,
    description: 'authenticated reads (cart, orders, long-polls) per user per minute',
  }),
  RATE_LIMIT_CATALOGUE_PER_MINUTE: Type.Integer({
    minimum: 1,
    default: 600,
    description: 'public catalogue requests per client address per minute',
  }),
  RATE_LIMIT_AUTH_FAILURES_PER_MINUTE: Type.Integer({
    minimum: 1,
    default: 30,
    description: 'failed credentials (bad tokens, Bull Board passwords, metrics tokens) per client address per minute',
  }),
  TRUST_PROXY: Type.Optional(
    Type.String({
      minLength: 1,
      whenUnset: 'the address of the connection',
      description:
        "behind a load balancer: `true`, or the proxies' addresses/CIDRs, so the client address (which rate limits count per) comes " +
        'from `X-Forwarded-For`',
    }),
  ),
  WORKER_CONCURRENCY: Type.Integer({
    minimum: 1,
    maximum: 200,
    default: 32,
    description:
      'checkout jobs one worker process holds at once. They are placed in groups: keep it at least `PLACEMENT_GROUPS_IN_FLIGHT` × ' +
      '`PLACEMENT_GROUP_MAX` so that groups fill under load',
  }),
  PLACEMENT_GROUPS_IN_FLIGHT: Type.Integer({
    minimum: 1,
    maximum: 50,
    default: 2,
    description:
      'placement transactions one worker process runs at once; the jobs that come while they run are placed together, in one ' +
      'transaction each group, when one ends (an idle worker places each order alone and at once)',
  }),
  PLACEMENT_GROUP_MAX: Type.Integer({
    minimum: 1,
    maximum: 200,
    default: 16,
    description: 'orders one placement transaction places at most (`1`: every order in a transaction of its own)',
  }),
  WORKER_SHUTDOWN_TIMEOUT_MS: Type.Integer({
    minimum: 0,
    default: 20_000,
    description: 'on SIGTERM, how long a worker waits for its jobs in flight before it exits anyway',
  }),
  WORKER_LOCK_DURATION_MS: Type.Integer({
    minimum: 1_000,
    default: 5_000,
    description:
      "BullMQ's job lock, renewed every half of it while a job runs: a worker that stops renewing it (crashed) loses the job after " +
      'this. A placement takes ~10-50 ms, so 5 s is a wide margin for a busy event loop (see [failure modes](operating.md#failure-modes))',
  }),
  WORKER_STALLED_INTERVAL_MS: Type.Integer({
    minimum: 1_000,
    default: 5_000,
    description: 'how often BullMQ looks for stalled jobs (whose worker died) to hand them to another worker',
  }),
  WORKER_STUCK_AFTER_MS: Type.Integer({
    minimum: 1_000,
    default: 10_000,
    description:
      'a worker with a free slot that has taken no job for this long while jobs wait in the queue is stuck (a consumer that ' +
      "stopped receiving after a Redis failover): it replaces its consumer and that consumer's Redis connection",
  }),
  RECONCILER_INTERVAL_MS: Type.Integer({
    minimum: 100,
    default: 5_000,
    description: "how often each worker process's reconciler runs (±25 % jitter)",
  }),
  RECONCILE_AFTER_MS: Type.Integer({
    minimum: 100,
    default: 10_000,
    description: 'a pending order older than this whose job is missing or failed is enqueued again',
  }),
  PENDING_TIMEOUT_MS: Type.Integer({
    minimum: 1_000,
    default: 300_000,
    description: 'a pending order older than this fails with `PROCESSING_ERROR`, unlocking the cart',
  }),
  ML_EVENTS_STREAM: Type.String({
    minLength: 1,
    maxLength: 200,
    default: 'ml:events',
    description:
      "Redis Stream the ML events are published to. Braces only as a hash tag (`{…}`): the relay's marker " +
      "(`{<stream>}:relay-marker`) is placed in the stream's hash slot either way",
  }),
  ML_EVENTS_MAXLEN: Type.Integer({
    minimum: 1000,
    default: 1_000_000,
    description: 'approximate cap of the stream (`XADD MAXLEN ~`); older entries are trimmed',
  }),
  ML_EVENTS_DURABILITY: StringEnum(['none', 'aof', 'replica'], {
    default: 'none',
    description:
      'what must confirm a batch before the relay marks its rows published: `none` (Redis may lose anything: after a data loss ' +
      'every retained outbox row is published again), `aof` (`WAITAOF` after each batch; Redis 7.2+ with appendonly) or `replica` ' +
      '(`WAIT` for one replica). A confirmed batch is a safe point: a later loss re-publishes only what came after it (see [failure modes](operating.md#failure-modes))',
  }),
  OUTBOX_BATCH_SIZE: Type.Integer({ minimum: 1, maximum: 10_000, default: 500, description: 'events the relay publishes per round trip' }),
  OUTBOX_POLL_MS: Type.Integer({
    minimum: 50,
    default: 200,
    description: 'how often the leading relay looks for new outbox rows (it polls: a `NOTIFY` per insert would serialise every commit)',
  }),
  OUTBOX_RETENTION_HOURS: Type.Integer({
    minimum: 1,
    default: 168,
    description: 'published outbox rows are kept this long (for `npm run events:replay`), then deleted in batches',
  }),
  BULL_BOARD_USER: Type.Optional(
    Type.String({
      minLength: 1,
      whenUnset: 'an admin token only opens the board',
      description:
        'Bull Board at `/admin/queues` is always mounted and never open: this user, with `BULL_BOARD_PASSWORD`, signs in at ' +
        '`/admin/login` or as HTTP Basic credentials; an admin token opens it too',
    }),
  ),
  BULL_BOARD_PASSWORD: Type.Optional(
    Type.String({
      minLength: 8,
      whenUnset: 'an admin token only opens the board',
      description: "`BULL_BOARD_USER`'s password (at least 8 characters)",
    }),
  ),
  BULL_BOARD_READ_ONLY: Type.Boolean({
    default: true,
    description: 'the board only shows; `false` lets it retry, promote, clean and remove jobs',
  }),
  WORKER_METRICS_PORT: Type.Integer({
    minimum: 0,
    maximum: 65535,
    default: 9464,
    description: "each worker's `/metrics` and `/health` (`0`: any free port, logged at start)",
  }),
  WORKER_METRICS_HOST: Type.String({
    minLength: 1,
    default: '127.0.0.1',
    description: 'bind address of that endpoint (`0.0.0.0` in containers)',
  }),
});

export type EnvConfig = Static<typeof ConfigSchema>;

/**
 * The validated configuration: JWT_SECRET, QUEUE_PREFIX and DATABASE_DIRECT_URL are always present once loaded, and
 * `redis` is the one Redis topology the REDIS_* settings describe (every Redis connection is made from it).
 */
export type Config = Omit<EnvConfig, 'JWT_SECRET' | 'QUEUE_PREFIX' | 'DATABASE_DIRECT_URL'> & {
  JWT_SECRET: string;
  QUEUE_PREFIX: string;
  DATABASE_DIRECT_URL: string;
  redis: RedisTopology;
};
