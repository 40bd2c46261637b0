import fc from 'fast-check';
import { canTransition, isFinal, ORDER_STATUSES, sourcesOf, type OrderStatus } from '../../shared/domain/order-status';

/** The contract's table (api-contract.md, "Orders"): the only allowed moves. */
const CONTRACT_MOVES: Array<[OrderStatus, OrderStatus]> = [
  ['pending', 'placed'],
  ['pending', 'failed'],
  ['pending', 'cancelled'],
  ['placed', 'shipped'],
  ['placed', 'cancelled'],
  ['shipped', 'delivered'],
];
const FINAL: OrderStatus[] = ['failed', 'cancelled', 'delivered'];

const ALL_PAIRS = ORDER_STATUSES.flatMap((from) => ORDER_STATUSES.map((to): [OrderStatus, OrderStatus] => [from, to]));
const isContractMove = (from: OrderStatus, to: OrderStatus) => CONTRACT_MOVES.some(([f, t]) => f === from && t === to);

const status = fc.constantFrom(...ORDER_STATUSES);
const moves = fc.array(status, { maxLength: 40 });

/** Applies only the moves `canTransition` allows; returns every status the order was in, start first. */
function walk(start: OrderStatus, targets: OrderStatus[]): OrderStatus[] {
  const visited = [start];
  for (const to of targets) {
    const current = visited[visited.length - 1]!;
    if (canTransition(current, to)) visited.push(to);
  }
  return visited;
}

describe('the order state machine, as the contract writes it', () => {
  it('knows exactly the six statuses of the contract', () => {
    expect([...ORDER_STATUSES].sort()).toEqual(['cancelled', 'delivered', 'failed', 'pending', 'placed', 'shipped']);
  });

  it.each(CONTRACT_MOVES)('allows %s → %s', (from, to) => {
    expect(canTransition(from, to)).toBe(true);
  });

  it.each(ALL_PAIRS.filter(([from, to]) => !isContractMove(from, to)))('refuses %s → %s', (from, to) => {
    expect(canTransition(from, to)).toBe(false);
  });

  it('allows exactly six moves in all', () => {
    const key = ([from, to]: [OrderStatus, OrderStatus]) => `${from}->${to}`;
    const allowed = ALL_PAIRS.filter(([from, to]) => canTransition(from, to)).map(key);
    expect(allowed.sort()).toEqual(CONTRACT_MOVES.map(key).sort());
  });

  it.each<[OrderStatus, boolean]>([
    ['pending', false],
    ['placed', false],
    ['shipped', false],
    ['failed', true],
    ['cancelled', true],
    ['delivered', true],
  ])('isFinal(%s) is %s', (value, final) => {
    expect(isFinal(value)).toBe(final);
  });

  it.each<[OrderStatus, OrderStatus[]]>([
    ['pending', []],
    ['placed', ['pending']],
    ['failed', ['pending']],
    ['cancelled', ['pending', 'placed']],
    ['shipped', ['placed']],
    ['delivered', ['shipped']],
  ])('sourcesOf(%s) is %j', (to, sources) => {
    expect([...sourcesOf(to)].sort()).toEqual([...sources].sort());
  });

  it('no status moves to itself', () => {
    for (const value of ORDER_STATUSES) expect(canTransition(value, value)).toBe(false);
  });
});

describe('the order state machine, for any sequence of moves', () => {
  it('a final status never changes again', () => {
    fc.assert(
      fc.property(status, moves, (start, targets) => {
        const visited = walk(start, targets);
        const firstFinal = visited.findIndex((value) => FINAL.includes(value));
        if (firstFinal === -1) return true;
        return visited.length === firstFinal + 1;
      }),
    );
  });

  it('an order that starts pending never becomes pending again', () => {
    fc.assert(
      fc.property(moves, (targets) => {
        const visited = walk('pending', targets);
        return visited.slice(1).every((value) => value !== 'pending');
      }),
    );
  });

  it('no status is ever entered twice (the machine has no cycle)', () => {
    fc.assert(
      fc.property(status, moves, (start, targets) => {
        const visited = walk(start, targets);
        return new Set(visited).size === visited.length;
      }),
    );
  });

  it('every walk from pending ends in a status the contract can reach, after at most three moves', () => {
    fc.assert(
      fc.property(moves, (targets) => {
        const visited = walk('pending', targets);
        return visited.length <= 4 && visited.every((value, i) => i === 0 || isContractMove(visited[i - 1]!, value));
      }),
    );
  });

  it('isFinal(s) holds exactly when no move leaves s', () => {
    fc.assert(
      fc.property(status, (from) => isFinal(from) === ORDER_STATUSES.every((to) => !canTransition(from, to))),
    );
  });

  it('sourcesOf(to) is exactly the statuses from which canTransition(from, to) holds, each once', () => {
    fc.assert(
      fc.property(status, status, (from, to) => {
        const sources = sourcesOf(to);
        return sources.includes(from) === canTransition(from, to) && new Set(sources).size === sources.length;
      }),
    );
  });
});
