import { EVENT_TYPES } from '../../shared/events/event-catalogue';
import { spawnService } from '../../deploy/local/service-process';
import { waitFor } from '../../deploy/local/wait-for';
import { actor } from '../support/actors';
import { givenFor } from '../support/given';
import { startStack, type Stack } from '../support/stack';

jest.setTimeout(90_000);

/** Runs `npm run events:*`'s script to completion; returns its stdout lines. */
async function runScript(stack: Stack, entry: string, args: string[]): Promise<{ code: number | null; lines: string[] }> {
  const script = spawnService(entry, entry, stack.env, { args });
  const { code } = await script.exited;
  return { code, lines: script.lines };
}

describe('ML events end to end: relay, reference consumer, replay', () => {
  let stack: Stack;
  const given = givenFor(() => stack.api);
  beforeAll(async () => {
    stack = await startStack();
    await stack.startWorker();
  });
  afterAll(() => stack.stop());

  it('real checkouts reach the stream, and events:tail prints each event once with a valid envelope', async () => {
    const productId = (await given.product({ price: '6.00', stock: 10 })).id;
    const orderId = await given.pendingOrder(actor('ml-1'), [[productId, 2]]);
    await stack.waitUntilNoPending();
    await waitFor('3 events in the stream', async () => (await stack.redis.xlen(stack.env.ML_EVENTS_STREAM!)) >= 3, {
      timeoutMs: 10_000,
      intervalMs: 100,
    });

    const tail = await runScript(stack, 'scripts/events-tail.ts', ['--group', 'ml-test', '--count', '3']);
    expect(tail.code).toBe(0);
    const events = tail.lines.filter((line) => line.startsWith('{')).map((line) => JSON.parse(line));
    expect(events.map((event) => event.type)).toEqual(['cart.item_added', 'checkout.requested', 'order.placed']);
    for (const event of events) {
      expect(event).toEqual({
        stream_id: expect.any(String),
        event_id: expect.stringMatching(/^[0-9a-f-]{36}$/),
        type: expect.stringMatching(new RegExp(`^(${EVENT_TYPES.join('|').replace(/\./g, '\\.')})$`)),
        version: 1,
        occurred_at: expect.stringMatching(/Z$/),
        user_id: 'ml-1',
        data: expect.any(Object),
      });
    }
    expect(events[2].data).toEqual({
      order_id: orderId,
      total_price: '12.00',
      items_count: 2,
      items: [{ product_id: productId, quantity: 2, unit_price: '6.00' }],
    });
    // every event was acknowledged
    const pending = (await stack.redis.xpending(stack.env.ML_EVENTS_STREAM!, 'ml-test')) as [number, ...unknown[]];
    expect(pending[0]).toBe(0);
  });

  it('events:replay writes to a new stream by default, and refuses the live one without --force', async () => {
    const fresh = await runScript(stack, 'scripts/events-replay.ts', ['--since', '2000-01-01T00:00:00Z']);
    expect(fresh.code).toBe(0);
    const target = /to (\S+:replay:\S+)$/m.exec(fresh.lines.join('\n'))?.[1];
    expect(target).toMatch(new RegExp(`^${stack.env.ML_EVENTS_STREAM}:replay:`));
    expect(await stack.redis.xlen(target!)).toBe(3);
    expect(await stack.redis.xlen(stack.env.ML_EVENTS_STREAM!)).toBe(3);
    await stack.redis.del(target!);

    const refused = await runScript(stack, 'scripts/events-replay.ts', ['--since', '2000-01-01T00:00:00Z', '--stream', stack.env.ML_EVENTS_STREAM!]);
    expect(refused.code).toBe(1);
    expect(refused.lines.join('\n')).toMatch(/live stream.*--force/);
    expect(await stack.redis.xlen(stack.env.ML_EVENTS_STREAM!)).toBe(3);
  });

  it('events:replay republishes with the same event ids, and the consumer group skips them as duplicates', async () => {
    const replay = await runScript(stack, 'scripts/events-replay.ts', [
      '--since',
      '2000-01-01T00:00:00Z',
      '--stream',
      stack.env.ML_EVENTS_STREAM!,
      '--force',
    ]);
    expect(replay.code).toBe(0);
    expect(replay.lines.join('\n')).toMatch(/replayed 3 events/);
    expect(await stack.redis.xlen(stack.env.ML_EVENTS_STREAM!)).toBe(6);

    const productId = (await given.product({ price: '1.00', stock: 5 })).id;
    await given.cart(actor('ml-2'), productId);
    const tail = await runScript(stack, 'scripts/events-tail.ts', ['--group', 'ml-test', '--count', '1']);
    const printed = tail.lines.filter((line) => line.startsWith('{')).map((line) => JSON.parse(line));
    expect(printed.map((event) => [event.type, event.user_id])).toEqual([['cart.item_added', 'ml-2']]);
    expect(tail.lines.filter((line) => line.includes('duplicate of event'))).toHaveLength(3);
  });
});
