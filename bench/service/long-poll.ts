import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { waitFor } from '../../deploy/local/wait-for';
import type { ServiceProcess } from '../../deploy/local/service-process';
import type { BenchEnvironment } from '../harness/environment';
import { CHECKOUT_BODY, countFinalOrders } from '../harness/fixtures';
import { round, runCallers, sleep } from '../harness/stats';
import { HttpClient } from './http-client';

export interface LongPollFigures {
  waiters: number;
  /** Commits per second in the bench database while every waiter waited and no worker ran (pg_stat_database). */
  transactionsPerSecond: number;
  /** Statements per second the bench database's backends finished meanwhile, seen in pg_stat_activity. */
  statementsSeenPerSecond: number;
  /** Those statements by text. */
  statementsSeen: Record<string, number>;
  windowSeconds: number;
  /** From the moment the worker may take the orders until every waiter had its final answer. */
  msToAnswerAll: number;
  /** From the same moment until every order was final in the database. */
  msToAllFinal: number;
  /** Long-polls that came back still pending and were sent again (a wait ran out, or an answer at once over a cap). */
  repolls: number;
}

/**
 * `waiters` users check out (no worker runs, the jobs wait in the queue) and
 * each then waits on its order with `GET /api/orders/:id?wait=N`, asking
 * again while it is pending, as a client should. Once all wait, and after
 * `settleMs`, the database's commits are counted over `windowMs`; then a
 * worker starts, and the clock runs until every waiter has its answer.
 */
export async function longPollService(
  environment: BenchEnvironment,
  userIds: string[],
  { waitSeconds, settleMs, windowMs }: { waitSeconds: number; settleMs: number; windowMs: number },
): Promise<LongPollFigures> {
  const client = new HttpClient(environment.baseUrl, userIds.length + 64);
  // on another database, so that its own reads count in neither figure
  const observer = new Client({ connectionString: `${environment.options.pgServerUrl}/postgres`, application_name: 'checkout-bench-observer' });
  await observer.connect();
  const workers: ServiceProcess[] = [];
  try {
    const orderIds = new Array<string>(userIds.length);
    await runCallers(userIds.length, 64, async (i) => {
      const answer = await client.request('POST', '/api/checkout', {
        token: environment.token(userIds[i]!),
        body: CHECKOUT_BODY,
        headers: { 'idempotency-key': randomUUID() },
      });
      if (answer.status !== 202) throw new Error(`POST /api/checkout answered ${answer.status}: ${answer.body.slice(0, 200)}`);
      orderIds[i] = (JSON.parse(answer.body) as { order_id: string }).order_id;
    });

    let repolls = 0;
    const answers = orderIds.map(async (orderId, i) => {
      const token = environment.token(userIds[i]!);
      for (;;) {
        const sent = performance.now();
        const answer = await client.request('GET', `/api/orders/${orderId}?wait=${waitSeconds}`, { token });
        if (answer.status !== 200) throw new Error(`GET /api/orders/:id answered ${answer.status}: ${answer.body.slice(0, 200)}`);
        if ((JSON.parse(answer.body) as { status: string }).status !== 'pending') return performance.now();
        repolls += 1;
        // answered at once while pending (over a cap): ask again when told to
        if (performance.now() - sent < 1_000) await sleep(Number(answer.headers['retry-after'] ?? 1) * 1_000);
      }
    });
    answers.forEach((answer) => answer.catch(() => undefined));
    await waitFor(`${userIds.length} long-polls waiting`, async () => (await waitingLongPolls(environment)) >= userIds.length, {
      timeoutMs: 30_000,
      intervalMs: 100,
    });

    await sleep(settleMs);
    const before = await commits(observer, environment.databaseName);
    const seen = await watchActivity(observer, environment.databaseName, performance.now() + windowMs);
    const after = await commits(observer, environment.databaseName);
    const windowSeconds = (after.at - before.at) / 1000;

    await environment.queue.pause();
    workers.push(...(await environment.startWorkers(1)));
    const start = performance.now();
    await environment.queue.resume();
    const allFinal = waitFor(
      `${userIds.length} orders final`,
      async () => ((await countFinalOrders(environment.pool)) >= userIds.length ? performance.now() : false),
      { timeoutMs: 600_000, intervalMs: 25 },
    );
    const answeredAt = await Promise.all(answers);
    const finalAt = await allFinal;
    return {
      waiters: userIds.length,
      transactionsPerSecond: round((after.commits - before.commits) / windowSeconds, 1),
      statementsSeenPerSecond: round(seen.statements / windowSeconds, 1),
      statementsSeen: seen.texts,
      windowSeconds: round(windowSeconds, 2),
      msToAnswerAll: Math.round(Math.max(...answeredAt) - start),
      msToAllFinal: Math.round(finalAt - start),
      repolls,
    };
  } finally {
    await environment.stopWorkers(workers);
    client.close();
    await observer.end();
  }
}

/**
 * Commits in the bench database so far (pg_stat_database). PostgreSQL 15
 * publishes a backend's counts when it flushes its statistics: at once for
 * transactions that touched a table, but one that read no table (the
 * listener's `SELECT 1` heartbeat) waits for the backend's next flush.
 */
async function commits(observer: Client, database: string): Promise<{ commits: number; at: number }> {
  const { rows } = await observer.query<{ commits: string }>('SELECT xact_commit AS commits FROM pg_stat_database WHERE datname = $1', [
    database,
  ]);
  return { commits: Number(rows[0]!.commits), at: performance.now() };
}

/**
 * Statements the bench database's client backends finish until `untilMs`,
 * seen live in pg_stat_activity (no statistics delay) every 20 ms: a backend
 * whose state changed and is no longer active finished one (or more, when
 * faster than the sampling). With the statements' texts, shortened.
 */
async function watchActivity(observer: Client, database: string, untilMs: number): Promise<{ statements: number; texts: Record<string, number> }> {
  const last = new Map<number, string>();
  const texts: Record<string, number> = {};
  let statements = 0;
  for (let first = true; performance.now() < untilMs; first = false) {
    const { rows } = await observer.query<{ pid: number; changed: string; state: string; query: string }>(
      `SELECT pid, state_change::text AS changed, state, left(regexp_replace(query, '\\s+', ' ', 'g'), 100) AS query
         FROM pg_stat_activity WHERE datname = $1 AND backend_type = 'client backend'`,
      [database],
    );
    for (const row of rows) {
      if (!first && last.get(row.pid) !== row.changed && row.state !== 'active') {
        statements += 1;
        texts[row.query] = (texts[row.query] ?? 0) + 1;
      }
      last.set(row.pid, row.changed);
    }
    await sleep(20);
  }
  return { statements, texts };
}

/** The API's own gauge of long-polls waiting (GET /metrics with an admin token; it reads no table). */
async function waitingLongPolls(environment: BenchEnvironment): Promise<number> {
  const response = await fetch(`${environment.baseUrl}/metrics`, {
    headers: { authorization: `Bearer ${environment.token('bench-metrics', 'admin')}` },
  });
  const match = /^order_long_polls_waiting (\d+)/m.exec(await response.text());
  return match ? Number(match[1]) : 0;
}
