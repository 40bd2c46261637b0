import { randomUUID } from 'node:crypto';
import { decodeCursor, encodeCursor, paginate, type Cursor } from '../../shared/pagination/cursor';
import { AppError } from '../../shared/errors/error-codes';

const b64 = (value: unknown) => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');

/** The error decodeCursor throws for `cursor` (fails the test when it returns instead). */
function decodeError(cursor: string): unknown {
  try {
    decodeCursor(cursor);
  } catch (error) {
    return error;
  }
  throw new Error(`decodeCursor accepted ${JSON.stringify(cursor)}`);
}

function expectRejected(cursor: string): void {
  const error = decodeError(cursor);
  expect(error).toBeInstanceOf(AppError);
  expect(error).toMatchObject({ code: 'VALIDATION_ERROR', statusCode: 400 });
}

describe('encodeCursor / decodeCursor', () => {
  const position: Cursor = { createdAt: new Date('2026-01-09T10:00:00.123Z'), id: randomUUID() };

  it('round-trips the position exactly (millisecond time and id)', () => {
    const decoded = decodeCursor(encodeCursor(position));
    expect(decoded).toEqual(position);
    expect(decoded.createdAt).toBeInstanceOf(Date);
    expect(decoded.createdAt.getTime()).toBe(position.createdAt.getTime());
  });

  it('round-trips many random positions', () => {
    for (let i = 0; i < 50; i++) {
      const cursor: Cursor = { createdAt: new Date(Date.UTC(2020, 0, 1) + i * 987_654_321 + i), id: randomUUID() };
      expect(decodeCursor(encodeCursor(cursor))).toEqual(cursor);
    }
  });

  it('is URL-safe: base64url without padding, + or /', () => {
    for (let i = 0; i < 50; i++) {
      const cursor = encodeCursor({ createdAt: new Date(Date.now() - i * 1_000_003), id: randomUUID() });
      expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/);
      expect(encodeURIComponent(cursor)).toBe(cursor);
    }
  });

  it('is base64url of {"t": ISO time, "id": uuid}', () => {
    const json = JSON.parse(Buffer.from(encodeCursor(position), 'base64url').toString('utf8'));
    expect(json).toEqual({ t: '2026-01-09T10:00:00.123Z', id: position.id });
  });

  it('fits the 500-character cursor limit of the page query', () => {
    expect(encodeCursor(position).length).toBeLessThanOrEqual(500);
  });

  it('accepts an upper-case UUID that this service could have produced', () => {
    const id = randomUUID().toUpperCase();
    expect(decodeCursor(b64({ t: position.createdAt.toISOString(), id }))).toEqual({ createdAt: position.createdAt, id });
  });
});

describe('decodeCursor rejects what this service did not produce with 400 VALIDATION_ERROR', () => {
  const t = '2026-01-09T10:00:00.000Z';
  const id = randomUUID();

  it.each([
    ['an empty string', ''],
    ['plain text', 'not-a-cursor'],
    ['characters outside base64url', '!!!'],
    ['percent signs', '%%%'],
    ['base64url of non-JSON text', b64('hello world')],
    ['base64url of null', b64('null')],
    ['base64url of a number', b64('42')],
    ['base64url of a string', b64('"abc"')],
    ['base64url of an array', b64([t, id])],
    ['base64url of an empty object', b64({})],
    ['a missing id', b64({ t })],
    ['a missing time', b64({ id })],
    ['an id that is not a UUID', b64({ t, id: 'not-a-uuid' })],
    ['an id with SQL in it', b64({ t, id: "' OR 1=1 --" })],
    ['a numeric id', b64({ t, id: 42 })],
    ['a time that is not a date', b64({ t: 'yesterday', id })],
    ['a numeric time', b64({ t: Date.parse(t), id })],
    ['a null time', b64({ t: null, id })],
    ['an out-of-range time', b64({ t: '+275760-09-13T00:00:00.001Z', id })],
  ])('%s', (_label, cursor) => {
    expectRejected(cursor);
  });

  it('a truncated cursor', () => {
    const cursor = encodeCursor({ createdAt: new Date(t), id });
    for (const length of [1, 5, cursor.length - 10, cursor.length - 2]) {
      expectRejected(cursor.slice(0, length));
    }
  });

  it('a cursor whose id was tampered with', () => {
    const cursor = encodeCursor({ createdAt: new Date(t), id });
    const json = Buffer.from(cursor, 'base64url').toString('utf8');
    expectRejected(b64(json.replace(id, `${id.slice(0, -1)}z`)));
    expectRejected(b64(json.replace(id, `${id}0`)));
  });

  it('a cursor whose JSON was broken', () => {
    const cursor = encodeCursor({ createdAt: new Date(t), id });
    const json = Buffer.from(cursor, 'base64url').toString('utf8');
    expectRejected(b64(json.replace('{', '[')));
    expectRejected(b64(json.slice(0, -1)));
  });

  it('carries a message for people, not a stack or parser detail', () => {
    const error = decodeError('garbage') as AppError;
    expect(error.message).toMatch(/cursor/);
    expect(error.message).not.toMatch(/JSON|Unexpected token/);
  });
});

describe('paginate', () => {
  interface Row extends Cursor {
    name: string;
  }
  const rows: Row[] = Array.from({ length: 6 }, (_, i) => ({
    createdAt: new Date(Date.UTC(2026, 0, 1, 0, 0, i)),
    id: randomUUID(),
    name: `row ${i}`,
  }));

  it('returns no cursor when the fetch is shorter than the limit', () => {
    const { page, nextCursor } = paginate(rows.slice(0, 3), 5);
    expect(page).toEqual(rows.slice(0, 3));
    expect(nextCursor).toBeNull();
  });

  it('returns no cursor when the fetch is exactly the limit (no extra row means no next page)', () => {
    const { page, nextCursor } = paginate(rows.slice(0, 5), 5);
    expect(page).toEqual(rows.slice(0, 5));
    expect(nextCursor).toBeNull();
  });

  it('returns an empty page and no cursor for no rows', () => {
    expect(paginate([], 20)).toEqual({ page: [], nextCursor: null });
  });

  it('drops the extra (limit + 1)th row and points the cursor at the last row of the page', () => {
    const { page, nextCursor } = paginate(rows, 5);
    expect(page).toEqual(rows.slice(0, 5));
    expect(page).not.toContain(rows[5]);
    expect(nextCursor).not.toBeNull();
    expect(decodeCursor(nextCursor!)).toEqual({ createdAt: rows[4]!.createdAt, id: rows[4]!.id });
  });

  it('with limit 1 splits off one row', () => {
    const { page, nextCursor } = paginate(rows.slice(0, 2), 1);
    expect(page).toEqual([rows[0]]);
    expect(decodeCursor(nextCursor!)).toEqual({ createdAt: rows[0]!.createdAt, id: rows[0]!.id });
  });

  it('keeps the rows whole (extra fields survive) and does not modify the input', () => {
    const input = rows.slice();
    const { page } = paginate(input, 2);
    expect(page[0]).toBe(rows[0]);
    expect(page[1]!.name).toBe('row 1');
    expect(input).toEqual(rows);
  });

  it('walking pages with the cursors visits every row once, in order', () => {
    const seen: Row[] = [];
    let after: Cursor | undefined;
    for (let guard = 0; guard < 10; guard++) {
      const start = after ? rows.findIndex((row) => row.id === after!.id) + 1 : 0;
      const { page, nextCursor } = paginate(rows.slice(start, start + 3), 2); // fetch limit + 1
      seen.push(...page);
      if (!nextCursor) break;
      after = decodeCursor(nextCursor);
    }
    expect(seen).toEqual(rows);
  });
});
