import { createTokenVerifier, InvalidTokenError } from '../../shared/auth/token-verifier';
import { mintToken, TEST_JWT_SECRET } from '../support/tokens';

/** The verifier remembers tokens that passed; these pin down that remembering changes no answer. */
describe('token verifier', () => {
  const verify = createTokenVerifier({ secret: TEST_JWT_SECRET, maxAgeSeconds: 3600 });
  const t0 = Math.floor(Date.now() / 1000);
  let clock = t0;
  beforeEach(() => {
    clock = t0;
    jest.spyOn(Date, 'now').mockImplementation(() => clock * 1000);
  });
  afterEach(() => jest.restoreAllMocks());

  it('answers a token it verified before the same way, until its exp', async () => {
    const token = mintToken({ sub: 'u1', role: 'seller', iat: t0, exp: t0 + 60 });
    await expect(verify(token)).resolves.toEqual({ id: 'u1', role: 'seller' });
    clock = t0 + 59;
    await expect(verify(token)).resolves.toEqual({ id: 'u1', role: 'seller' });
    clock = t0 + 60;
    await expect(verify(token)).rejects.toThrow(/expired/);
  });

  it('remembers nothing of a refused token: one refused for its iat passes once that time has come', async () => {
    const token = mintToken({ sub: 'u2', iat: t0 + 600, exp: t0 + 1800 });
    await expect(verify(token)).rejects.toThrow(/iat/);
    clock = t0 + 600;
    await expect(verify(token)).resolves.toEqual({ id: 'u2', role: 'customer' });
  });

  it('keys on the whole token: the same claims under another signature are refused after the real one passed', async () => {
    const claims = { sub: 'u3', exp: t0 + 60 };
    await expect(verify(mintToken(claims))).resolves.toEqual({ id: 'u3', role: 'customer' });
    await expect(verify(mintToken(claims, { secret: 'another-secret-that-is-32-bytes-long!!' }))).rejects.toThrow(InvalidTokenError);
    const [header, payload] = mintToken(claims).split('.');
    await expect(verify(`${header}.${payload}.`)).rejects.toThrow(InvalidTokenError);
  });

  it('a token not yet valid (nbf) is refused until then', async () => {
    const token = mintToken({ sub: 'u4', nbf: t0 + 30, exp: t0 + 60 });
    await expect(verify(token)).rejects.toThrow(InvalidTokenError);
    clock = t0 + 30;
    await expect(verify(token)).resolves.toEqual({ id: 'u4', role: 'customer' });
  });
});
