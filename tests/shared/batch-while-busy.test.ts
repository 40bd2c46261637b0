import { batchWhileBusy } from '../../shared/async/batch-while-busy';

/** A load whose batches the test ends by hand, recording the keys of each. */
function controlledLoad() {
  const batches: Array<{ keys: string[]; answer: () => void; fail: (error: Error) => void }> = [];
  const load = (keys: string[]) =>
    new Promise<string[]>((resolve, reject) => {
      batches.push({ keys, answer: () => resolve(keys.map((key) => `value of ${key}`)), fail: reject });
    });
  return { batches, load };
}

/** Lets the promise callbacks queued so far run. */
const settle = () => new Promise((resolve) => setImmediate(resolve));

describe('batchWhileBusy', () => {
  it('starts a call at once and alone while fewer than maxInFlight batches run', async () => {
    const { batches, load } = controlledLoad();
    const read = batchWhileBusy(load, { maxInFlight: 2, maxBatch: 10 });
    const a = read('a');
    const b = read('b');
    expect(batches.map((batch) => batch.keys)).toEqual([['a'], ['b']]);
    batches[0]!.answer();
    batches[1]!.answer();
    await expect(a).resolves.toBe('value of a');
    await expect(b).resolves.toBe('value of b');
  });

  it('gathers the calls that come while all slots are busy into the batch that starts when one ends', async () => {
    const { batches, load } = controlledLoad();
    const read = batchWhileBusy(load, { maxInFlight: 1, maxBatch: 10 });
    const first = read('a');
    const waiting = ['b', 'c', 'b'].map(read);
    expect(batches).toHaveLength(1);
    batches[0]!.answer();
    await settle();
    expect(batches.map((batch) => batch.keys)).toEqual([['a'], ['b', 'c', 'b']]);
    batches[1]!.answer();
    await expect(first).resolves.toBe('value of a');
    await expect(Promise.all(waiting)).resolves.toEqual(['value of b', 'value of c', 'value of b']);
  });

  it('puts at most maxBatch keys in a batch, in the order they came', async () => {
    const { batches, load } = controlledLoad();
    const read = batchWhileBusy(load, { maxInFlight: 1, maxBatch: 2 });
    const calls = ['a', 'b', 'c', 'd', 'e'].map(read);
    for (let i = 0; i < 3; i += 1) {
      batches[i]!.answer();
      await settle();
    }
    expect(batches.map((batch) => batch.keys)).toEqual([['a'], ['b', 'c'], ['d', 'e']]);
    await expect(Promise.all(calls)).resolves.toEqual(['a', 'b', 'c', 'd', 'e'].map((key) => `value of ${key}`));
  });

  it("fails every call of a failed batch and only those; the next batch runs", async () => {
    const { batches, load } = controlledLoad();
    const read = batchWhileBusy(load, { maxInFlight: 1, maxBatch: 10 });
    const first = read('a');
    const failing = [read('b'), read('c')];
    batches[0]!.answer();
    await settle();
    const later = read('d');
    batches[1]!.fail(new Error('connection lost'));
    for (const call of failing) await expect(call).rejects.toThrow('connection lost');
    await settle();
    expect(batches[2]!.keys).toEqual(['d']);
    batches[2]!.answer();
    await expect(first).resolves.toBe('value of a');
    await expect(later).resolves.toBe('value of d');
  });
});
