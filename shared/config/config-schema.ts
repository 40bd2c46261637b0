import { Type, type Static } from '@sinclair/typebox';
import { StringEnum } from '../schemas/string-enum';
import type { RedisTopology } from '../redis/redis-topology';

/** `host:port,host:port,…` */
const HOST_PORT_LIST = '^[^\\s,:]+:[0-9]{1,5}(,[^\\s,:]+:[0-9]{1,5})*$';

/**
 * Every setting of the API and the worker, in one schema: validated once at
 * start-up, typed from here, documented in the README's configuration table.
 * Defaults point at the local PostgreSQL and Redis of a development machine.
 */
export const ConfigSchema = Type.Object({
  NODE_ENV: StringEnum(['development', 'production', 'test'], { default: 'development' }),
  PORT: Type.Integer({ minimum: 0, maximum: 65535, default: 3000 }),
  HOST: Type.String({ minLength: 1, default: '127.0.0.1' }),
  /** The URL clients reach the API at, for the OpenAPI document's `servers` (unset: `/`, the serving origin). */
  PUBLIC_URL: Type.Optional(Type.String({ pattern: '^https?://' })),
  DATABASE_URL: Type.String({
    pattern: '^postgres(ql)?://',
    default: 'postgres://postgres@127.0.0.1:5432/checkout',
  }),
  /**
   * A session connection to the primary, for what needs a session: migrations, session advisory locks (relay
   * leadership). Unset: DATABASE_URL — set it when DATABASE_URL is a transaction-mode pooler (PgBouncer).
   */
  DATABASE_DIRECT_URL: Type.Optional(Type.String({ pattern: '^postgres(ql)?://' })),
  /**
   * Hot-path statements as named prepared statements (parsed and planned once per connection). `false` for poolers
   * that do not track them across server connections (PgBouncer before 1.21 in transaction mode).
   */
  DB_PREPARED_STATEMENTS: Type.Boolean({ default: true }),
  /** Connections per process; see the README on sizing it against WORKER_CONCURRENCY. */
  DB_POOL_MAX: Type.Integer({ minimum: 1, maximum: 200, default: 10 }),
  /**
   * Order polls (GET /api/orders/:id) one API process reads in at most this many statements at once (at most
   * DB_POOL_MAX); polls that come meanwhile wait and are read together, in one statement, when one of those ends.
   */
  ORDER_READS_IN_FLIGHT: Type.Integer({ minimum: 1, maximum: 200, default: 1 }),
  /**
   * Checkout accept transactions one API process runs at once (at most DB_POOL_MAX); checkouts that come meanwhile
   * wait and are accepted together, in one transaction per group, when one of those ends.
   */
  CHECKOUT_ACCEPTS_IN_FLIGHT: Type.Integer({ minimum: 1, maximum: 200, default: 2 }),
  /** Checkouts one accept transaction takes at most (1: a transaction per checkout). */
  CHECKOUT_ACCEPT_GROUP_MAX: Type.Integer({ minimum: 1, maximum: 200, default: 32 }),
  /**
   * One Redis server (`rediss://` for TLS). Exactly one of REDIS_URL, REDIS_SENTINELS and REDIS_CLUSTER_NODES may be
   * set; none set: redis://127.0.0.1:6379.
   */
  REDIS_URL: Type.Optional(Type.String({ pattern: '^rediss?://' })),
  /** Redis behind Sentinel: the sentinels as `host:port,host:port,…`; every process follows a failover to the new master. */
  REDIS_SENTINELS: Type.Optional(Type.String({ pattern: HOST_PORT_LIST })),
  /** The master group the sentinels watch (required with REDIS_SENTINELS). */
  REDIS_SENTINEL_NAME: Type.Optional(Type.String({ minLength: 1 })),
  /** The sentinels' own password, when they require one (REDIS_PASSWORD is the data servers'). */
  REDIS_SENTINEL_PASSWORD: Type.Optional(Type.String({ minLength: 1 })),
  /** Redis Cluster: some of its nodes as `host:port,host:port,…` (the rest are discovered). */
  REDIS_CLUSTER_NODES: Type.Optional(Type.String({ pattern: HOST_PORT_LIST })),
  /** Password of the Redis servers, for whichever of REDIS_URL, REDIS_SENTINELS or REDIS_CLUSTER_NODES is set. */
  REDIS_PASSWORD: Type.Optional(Type.String({ minLength: 1 })),
  /**
   * Prefix of every key the service writes to Redis (queues, rate limits), so that several deployments (or test
   * runs) can share one Redis. Unset: `checkout`, or `{checkout}` with REDIS_CLUSTER_NODES, where it must carry a
   * hash tag (`{…}`) so that each queue's keys share one hash slot.
   */
  QUEUE_PREFIX: Type.Optional(Type.String({ pattern: '^[A-Za-z0-9_:.{}-]{1,64}$' })),
  /**
   * HS256 secret, at least 32 bytes: the tokens of development and tests (refused once an identity provider is
   * configured), and the key the Bull Board session cookie is derived from. Required in production.
   */
  JWT_SECRET: Type.Optional(Type.String()),
  /** The `iss` every token must carry; with JWT_OIDC_DISCOVERY, the identity provider whose keys are fetched. */
  JWT_ISSUER: Type.Optional(Type.String({ minLength: 1 })),
  /** The `aud` every token must carry. */
  JWT_AUDIENCE: Type.Optional(Type.String({ minLength: 1 })),
  /**
   * An OpenID Connect provider's JWKS: tokens are then RS256, ES256 or PS256, verified against its keys (chosen by
   * `kid`), and HS256 tokens are refused.
   */
  JWT_JWKS_URL: Type.Optional(Type.String({ pattern: '^https?://' })),
  /** Find the JWKS in JWT_ISSUER's discovery document (`/.well-known/openid-configuration`) instead of JWT_JWKS_URL. */
  JWT_OIDC_DISCOVERY: Type.Boolean({ default: false }),
  /** Where a provider's token carries the user's roles (a dot path: `realm_access.roles` for Keycloak, a custom claim for Auth0). */
  JWT_ROLES_CLAIM: Type.String({ minLength: 1, default: 'role' }),
  /** An unknown `kid` makes the API fetch the JWKS again at most once per this many seconds (forged kids cannot flood the provider). */
  JWT_JWKS_REFRESH_SECONDS: Type.Integer({ minimum: 1, maximum: 3600, default: 30 }),
  /** The longest a token may live: one whose `exp` lies further ahead than this is refused (401). */
  JWT_MAX_AGE_SECONDS: Type.Integer({ minimum: 60, maximum: 30 * 24 * 3600, default: 24 * 3600 }),
  LOG_LEVEL: StringEnum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], { default: 'info' }),
  /**
   * Comma-separated origins a browser app may call the API from ("*" for any, "none" for no browser app).
   * Unset: http://localhost:4200 (the Angular dev server) in development, none otherwise.
   */
  CORS_ORIGINS: Type.Optional(Type.String({ minLength: 1 })),
  /** Largest request body accepted, in bytes (413 above it). */
  BODY_LIMIT_BYTES: Type.Integer({ minimum: 1024, maximum: 10485760, default: 65536 }),
  /** Run pending migrations when the API starts (guarded by an advisory lock). */
  MIGRATE_ON_START: Type.Boolean({ default: true }),
  /**
   * While long-polls wait, each API process re-reads their orders this often: the safety net for a status-change
   * announcement lost to a Redis outage (one statement for all of them, whatever their number).
   */
  LONG_POLL_RECHECK_MS: Type.Integer({ minimum: 100, maximum: 60_000, default: 5_000 }),
  /** The bearer token Prometheus sends to scrape the API's /metrics (an admin JWT works too); unset: admin JWT only. */
  METRICS_TOKEN: Type.Optional(Type.String({ minLength: 16 })),
  /** Long-polls (`?wait=N`) one user may have waiting in one API process; more answer at once with Retry-After. */
  LONG_POLL_MAX_PER_USER: Type.Integer({ minimum: 1, default: 5 }),
  /** Long-polls one API process holds at once; more answer at once with Retry-After. */
  LONG_POLL_MAX_PER_PROCESS: Type.Integer({ minimum: 1, default: 5_000 }),
  /** Distinct products one cart may hold (422 CART_TOO_LARGE beyond). */
  CART_MAX_LINES: Type.Integer({ minimum: 1, maximum: 10_000, default: 100 }),
  /** Rate limits on (false: none at all, e.g. for a load test). Every limit counts per minute, in Redis. */
  RATE_LIMITS_ENABLED: Type.Boolean({ default: true }),
  /**
   * Share of a limit (%) an API process takes from Redis at once and counts locally (one Redis round trip per
   * that many requests, not per request). The fleet never lets more than a limit through; a caller may be refused
   * up to (API processes − 1) × that share early. 0: every request counted in Redis.
   */
  RATE_LIMIT_LEASE_PERCENT: Type.Integer({ minimum: 0, maximum: 50, default: 5 }),
  /** Checkouts per user per minute (429 TOO_MANY_REQUESTS beyond). */
  RATE_LIMIT_CHECKOUTS_PER_MINUTE: Type.Integer({ minimum: 1, default: 10 }),
  /** Cart changes (add, change, remove) per user per minute. */
  RATE_LIMIT_CART_WRITES_PER_MINUTE: Type.Integer({ minimum: 1, default: 120 }),
  /** Other changes (cancel, ship, deliver, admin edits) per user per minute. */
  RATE_LIMIT_WRITES_PER_MINUTE: Type.Integer({ minimum: 1, default: 120 }),
  /** Authenticated reads (cart, orders, long-polls) per user per minute. */
  RATE_LIMIT_READS_PER_MINUTE: Type.Integer({ minimum: 1, default: 600 }),
  /** Public catalogue requests per client address per minute. */
  RATE_LIMIT_CATALOGUE_PER_MINUTE: Type.Integer({ minimum: 1, default: 600 }),
  /** Failed credentials (bad tokens, Bull Board passwords, metrics tokens) per client address per minute. */
  RATE_LIMIT_AUTH_FAILURES_PER_MINUTE: Type.Integer({ minimum: 1, default: 30 }),
  /** Behind a load balancer: `true`, or the proxies' addresses/CIDRs, takes the client address from X-Forwarded-For (rate limits count per address). */
  TRUST_PROXY: Type.Optional(Type.String({ minLength: 1 })),
  /**
   * Checkout jobs one worker process holds at once. They are placed in groups (PLACEMENT_GROUP_MAX,
   * PLACEMENT_GROUPS_IN_FLIGHT): set it to at least their product so that groups fill under load.
   */
  WORKER_CONCURRENCY: Type.Integer({ minimum: 1, maximum: 200, default: 32 }),
  /**
   * Placement transactions one worker process runs at once; the jobs that come while they run are placed together,
   * in one transaction each group, when one ends (an idle worker places each order alone and at once).
   */
  PLACEMENT_GROUPS_IN_FLIGHT: Type.Integer({ minimum: 1, maximum: 50, default: 2 }),
  /** Orders one placement transaction places at most (1: every order in a transaction of its own). */
  PLACEMENT_GROUP_MAX: Type.Integer({ minimum: 1, maximum: 200, default: 16 }),
  /** How long a worker waits for its jobs in flight on SIGTERM before giving up on them. */
  WORKER_SHUTDOWN_TIMEOUT_MS: Type.Integer({ minimum: 0, default: 20_000 }),
  /**
   * BullMQ job lock, renewed every half of it while a job runs: a worker that stops renewing it (crashed)
   * loses the job after this. A placement takes ~10-50 ms, so 5 s is a wide margin for a busy event loop;
   * see the README on crash recovery.
   */
  WORKER_LOCK_DURATION_MS: Type.Integer({ minimum: 1_000, default: 5_000 }),
  /** How often BullMQ looks for stalled jobs (whose worker died) to hand them to another worker. */
  WORKER_STALLED_INTERVAL_MS: Type.Integer({ minimum: 1_000, default: 5_000 }),
  /**
   * A worker with a free slot that has taken no job for this long while jobs wait in the queue is stuck (e.g. after a
   * Redis failover): it replaces its consumer and that consumer's Redis connection.
   */
  WORKER_STUCK_AFTER_MS: Type.Integer({ minimum: 1_000, default: 10_000 }),
  /** How often the reconciler runs (each worker process runs one). */
  RECONCILER_INTERVAL_MS: Type.Integer({ minimum: 100, default: 5_000 }),
  /** A pending order older than this whose job is missing or failed is enqueued again. */
  RECONCILE_AFTER_MS: Type.Integer({ minimum: 100, default: 10_000 }),
  /** A pending order older than this is failed with PROCESSING_ERROR, unlocking the cart. */
  PENDING_TIMEOUT_MS: Type.Integer({ minimum: 1_000, default: 300_000 }),
  /**
   * Redis Stream the ML events are published to. Braces only as a hash tag (`{…}`): the relay's marker beside the
   * stream is placed in the stream's hash slot either way.
   */
  ML_EVENTS_STREAM: Type.String({ minLength: 1, maxLength: 200, default: 'ml:events' }),
  /** Approximate cap of the stream (XADD MAXLEN ~); older entries are trimmed. */
  ML_EVENTS_MAXLEN: Type.Integer({ minimum: 1000, default: 1_000_000 }),
  /**
   * How the relay learns that published events survived in Redis: `none` (Redis may lose anything: after a data
   * loss every retained outbox row is published again), `aof` (WAITAOF after each batch; Redis 7.2+ with
   * appendonly), `replica` (WAIT for one replica). A confirmed batch is a safe point: a later loss re-publishes
   * only what came after it.
   */
  ML_EVENTS_DURABILITY: StringEnum(['none', 'aof', 'replica'], { default: 'none' }),
  /** Events the relay publishes per round trip. */
  OUTBOX_BATCH_SIZE: Type.Integer({ minimum: 1, maximum: 10_000, default: 500 }),
  /** How often the leading relay looks for new outbox rows (no NOTIFY per insert: it would serialise commits). */
  OUTBOX_POLL_MS: Type.Integer({ minimum: 50, default: 200 }),
  /** Published outbox rows are kept this long (for `events:replay`), then deleted in batches. */
  OUTBOX_RETENTION_HOURS: Type.Integer({ minimum: 1, default: 168 }),
  /**
   * Bull Board at /admin/queues (always mounted, never open): a user and password that sign in at /admin/login or
   * as HTTP Basic credentials. Unset: only an admin token opens the board.
   */
  BULL_BOARD_USER: Type.Optional(Type.String({ minLength: 1 })),
  BULL_BOARD_PASSWORD: Type.Optional(Type.String({ minLength: 8 })),
  /** The board only shows (no retry, clean or remove) unless this is false. */
  BULL_BOARD_READ_ONLY: Type.Boolean({ default: true }),
  /** Each worker serves /metrics and /health here (0: any free port, logged at start). */
  WORKER_METRICS_PORT: Type.Integer({ minimum: 0, maximum: 65535, default: 9464 }),
  WORKER_METRICS_HOST: Type.String({ minLength: 1, default: '127.0.0.1' }),
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
