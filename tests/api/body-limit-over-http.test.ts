import { connect } from 'node:net';
import { actor, admin } from '../support/actors';
import { startStack, type Stack } from '../support/stack';

jest.setTimeout(60_000);

const ADMIN = admin('admin-1');
const TWO_MB = 2 * 1024 * 1024;

/**
 * A client that sends an oversized body reads the 413 (fetch/undici and
 * browsers give up on an answer whose connection is reset while they still
 * send): over a real socket to an API process of its own, as a client meets
 * it, with fetch, again and again.
 */
describe('an oversized body over HTTP', () => {
  let stack: Stack;
  let baseUrl: string;
  beforeAll(async () => {
    stack = await startStack();
    baseUrl = stack.baseUrl;
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it('a 2 MB body gets a readable 413 PAYLOAD_TOO_LARGE with fetch, every time, and the API goes on answering', async () => {
    const body = JSON.stringify({ name: 'x'.repeat(TWO_MB), price: '1.00', stock: 1 });
    for (let i = 0; i < 10; i += 1) {
      const res = await fetch(`${baseUrl}/api/admin/products`, {
        method: 'POST',
        headers: { authorization: `Bearer ${ADMIN.token}`, 'content-type': 'application/json' },
        body,
      });
      expect(res.status).toBe(413);
      expect(await res.json()).toMatchObject({ statusCode: 413, code: 'PAYLOAD_TOO_LARGE' });
    }
    const after = await fetch(`${baseUrl}/api/products`);
    expect(after.status).toBe(200);
  });

  it('a 2 MB body to POST /api/cart (a customer adding to the cart) gets a readable 413, every time', async () => {
    const shopper = actor('big-body-shopper');
    const body = JSON.stringify({ product_id: '00000000-0000-4000-8000-000000000000', quantity: 1, padding: 'p'.repeat(TWO_MB) });
    for (let i = 0; i < 30; i += 1) {
      const res = await fetch(`${baseUrl}/api/cart`, {
        method: 'POST',
        headers: { authorization: `Bearer ${shopper.token}`, 'content-type': 'application/json' },
        body,
      });
      expect(res.status).toBe(413);
      expect(await res.json()).toMatchObject({ code: 'PAYLOAD_TOO_LARGE' });
    }
  });

  it('a 2 MB body sent in chunks (no Content-Length) gets its 413 too', async () => {
    const chunk = new TextEncoder().encode('z'.repeat(64 * 1024));
    for (let i = 0; i < 5; i += 1) {
      let sent = 0;
      const stream = new ReadableStream<Uint8Array>({
        pull(controller) {
          if (sent >= TWO_MB) return controller.close();
          sent += chunk.length;
          controller.enqueue(chunk);
        },
      });
      const res = await fetch(`${baseUrl}/api/admin/products`, {
        method: 'POST',
        headers: { authorization: `Bearer ${ADMIN.token}`, 'content-type': 'application/json' },
        body: stream,
        duplex: 'half',
      } as RequestInit);
      expect(res.status).toBe(413);
      expect(await res.json()).toMatchObject({ code: 'PAYLOAD_TOO_LARGE' });
    }
  });

  it('a 2 MB body refused before it is read (no token: 401) is answered readably too', async () => {
    for (let i = 0; i < 5; i += 1) {
      const res = await fetch(`${baseUrl}/api/checkout`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: 'x'.repeat(TWO_MB) });
      expect(res.status).toBe(401);
      expect(await res.json()).toMatchObject({ code: 'UNAUTHORIZED' });
    }
  });

  /**
   * Over a raw socket: a POST with `framing` (its body's header), then 1 MB pieces (`piece` frames each) until the
   * server closes the connection or 64 MB are sent; what the server answered and how much was sent.
   */
  const sendUntilClosed = async (framing: string, piece: (data: Buffer) => Buffer) => {
    const socket = connect(Number(new URL(baseUrl).port), '127.0.0.1');
    socket.on('error', () => undefined); // the server closes while this side still writes
    let answer = '';
    socket.setEncoding('utf8');
    socket.on('data', (text: string) => (answer += text));
    const closed = new Promise<void>((resolve) => socket.on('close', () => resolve()));
    socket.write(
      `POST /api/admin/products HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${ADMIN.token}\r\n` +
        `Content-Type: application/json\r\n${framing}\r\n\r\n`,
    );
    const data = piece(Buffer.alloc(1024 * 1024, 'a'));
    let sent = 0;
    let open = true;
    void closed.then(() => (open = false));
    while (open && sent < 64 * 1024 * 1024) {
      if (!socket.write(data)) await new Promise((resolve) => socket.once('drain', resolve).once('close', resolve));
      sent += 1024 * 1024;
    }
    await closed;
    return { answer, sent };
  };

  it('a client that announces a gigabyte and goes on sending gets the 413, then its connection is closed', async () => {
    const { answer, sent } = await sendUntilClosed(`Content-Length: ${1024 * 1024 * 1024}`, (data) => data);
    expect(answer).toMatch(/^HTTP\/1\.1 413 /);
    expect(sent).toBeLessThan(64 * 1024 * 1024);
  });

  it('a client that sends chunks without end gets the 413, then its connection is closed once a bound is read', async () => {
    const { answer, sent } = await sendUntilClosed('Transfer-Encoding: chunked', (data) =>
      Buffer.concat([Buffer.from(`${data.length.toString(16)}\r\n`), data, Buffer.from('\r\n')]),
    );
    expect(answer).toMatch(/^HTTP\/1\.1 413 /);
    expect(sent).toBeLessThan(64 * 1024 * 1024);
  });

  it('several at once, each answered 413', async () => {
    const body = JSON.stringify({ name: 'y'.repeat(TWO_MB), price: '1.00', stock: 1 });
    const answers = await Promise.all(
      Array.from({ length: 5 }, () =>
        fetch(`${baseUrl}/api/admin/products`, {
          method: 'POST',
          headers: { authorization: `Bearer ${ADMIN.token}`, 'content-type': 'application/json' },
          body,
        }).then(async (res) => ({ status: res.status, code: ((await res.json()) as { code: string }).code })),
      ),
    );
    expect(answers).toEqual(Array.from({ length: 5 }, () => ({ status: 413, code: 'PAYLOAD_TOO_LARGE' })));
  });
});
