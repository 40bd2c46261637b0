import { boardSessions, SESSION_COOKIE } from '../../api/board/board-session';
import type { ApiResponse } from '../support/api-client';
import { useTestApp } from '../support/test-app';
import { tokenFor } from '../support/tokens';

const BOARD = { BULL_BOARD_USER: 'ops', BULL_BOARD_PASSWORD: 'board-secret-1' };
const PAGE_VIEW = { accept: 'text/html,application/xhtml+xml' };
const FORM = { 'content-type': 'application/x-www-form-urlencoded' };
const form = (fields: Record<string, string>) => new URLSearchParams(fields).toString();
const sessionOf = (res: ApiResponse) => /board_session=([^;]+)/.exec(res.headers['set-cookie'] ?? '')?.[1];

/** A person opens Bull Board in a plain browser: a sign-in page trades credentials for a session cookie. */
describe('Bull Board sign-in, with Basic credentials configured', () => {
  const t = useTestApp(BOARD);

  it('sends a page view without credentials to the sign-in page, which offers both ways in', async () => {
    const res = await t.api.request('GET', '/admin/queues', { headers: PAGE_VIEW });
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/admin/login?next=%2Fadmin%2Fqueues');
    const page = await t.api.request('GET', res.headers.location!);
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    expect(page.text).toContain('name="password"');
    expect(page.text).toContain('name="token"');
  });

  it('signs in with the board credentials: an HttpOnly, SameSite=Strict session cookie that opens the board', async () => {
    const res = await t.api.request('POST', '/admin/login', {
      raw: form({ username: 'ops', password: 'board-secret-1', next: '/admin/queues' }),
      headers: FORM,
    });
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/admin/queues');
    expect(res.headers['set-cookie']).toMatch(/^board_session=[^;]+; Path=\/admin; Max-Age=28800; HttpOnly; SameSite=Strict$/);
    const board = await t.api.request('GET', '/admin/queues/api/queues', { headers: { cookie: `board_session=${sessionOf(res)}` } });
    expect(board.status).toBe(200);
    expect(board.body.queues[0].name).toBe('checkout');
  });

  it.each([
    ['a wrong password', { username: 'ops', password: 'not-it' }],
    ['a customer token', { token: tokenFor('alice') }],
    ['a malformed token', { token: 'not-a-jwt' }],
  ])('refuses %s: 401, the page again with the reason, no cookie', async (_, fields) => {
    const res = await t.api.request('POST', '/admin/login', { raw: form(fields), headers: FORM });
    expect(res.status).toBe(401);
    expect(res.text).toMatch(/role="alert"/);
    expect(res.headers['set-cookie']).toBeUndefined();
  });

  it('signs in with an admin token, and goes back only to a board page', async () => {
    const res = await t.api.request('POST', '/admin/login', {
      raw: form({ token: tokenFor('a1', 'admin'), next: 'https://evil.example.com/admin/queues' }),
      headers: FORM,
    });
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/admin/queues');
    expect(sessionOf(res)).toBeDefined();
  });

  it('does not take a forged, expired or cleared session', async () => {
    const forged = boardSessions('some-other-secret-that-is-long-enough-1234').issue('admin:mallory');
    const expired = boardSessions(t.config.JWT_SECRET).issue('admin:a1', Date.now() - 9 * 3600 * 1000);
    for (const value of [forged, expired, '', 'garbage.value']) {
      const res = await t.api.request('GET', '/admin/queues/api/queues', { headers: { cookie: `${SESSION_COOKIE}=${value}` } });
      expect(res.status).toBe(401);
    }
    const out = await t.api.request('POST', '/admin/logout');
    expect(out.status).toBe(303);
    expect(out.headers['set-cookie']).toMatch(/^board_session=; Path=\/admin; Max-Age=0/);
  });

  it('still challenges API calls without credentials with Basic', async () => {
    const res = await t.api.request('GET', '/admin/queues/api/queues');
    expect(res.status).toBe(401);
    expect(res.headers['www-authenticate']).toMatch(/^Basic realm=/);
  });
});

describe('Bull Board sign-in, without Basic credentials configured', () => {
  const t = useTestApp();

  it('never sends a Basic challenge, offers only the token, and opens with an admin token', async () => {
    const api = await t.api.request('GET', '/admin/queues/api/queues');
    expect(api.status).toBe(401);
    expect(api.headers['www-authenticate']).toBeUndefined();
    const page = await t.api.request('GET', '/admin/login');
    expect(page.text).not.toContain('name="password"');
    const refused = await t.api.request('POST', '/admin/login', { raw: form({ username: 'ops', password: 'board-secret-1' }), headers: FORM });
    expect(refused.status).toBe(401);
    const res = await t.api.request('POST', '/admin/login', { raw: form({ token: tokenFor('a1', 'admin') }), headers: FORM });
    expect(res.status).toBe(303);
    const board = await t.api.request('GET', '/admin/queues/api/queues', { headers: { cookie: `board_session=${sessionOf(res)}` } });
    expect(board.status).toBe(200);
  });
});
