import { formatCents, lineTotal, normalizeMoney, PRICE_PATTERN, sumMoney, toCents } from '../../shared/domain/money';

const INVALID_AMOUNTS = [
  '',
  ' ',
  'abc',
  '1.234',
  '0.001',
  '-1',
  '-0.01',
  '+1',
  '01',
  '00.50',
  '1.',
  '.5',
  ' 1',
  '1 ',
  '1e3',
  '1,00',
  '0x10',
  'NaN',
  'Infinity',
  '1_000',
];

describe('toCents', () => {
  it.each([
    ['19.99', 1999n],
    ['19.9', 1990n],
    ['19', 1900n],
    ['0', 0n],
    ['0.00', 0n],
    ['0.01', 1n],
    ['0.1', 10n],
    ['0.10', 10n],
    ['10.05', 1005n],
    ['9999999999.99', 999999999999n],
  ])('reads %p as %p cents', (amount, cents) => {
    expect(toCents(amount)).toBe(cents);
  });

  it('stays exact beyond the largest safe float integer', () => {
    // 9007199254740993 is not representable as a double: a float path would answer ...992
    expect(toCents('90071992547409.93')).toBe(9007199254740993n);
  });

  it.each(INVALID_AMOUNTS)('throws a RangeError for %p', (amount) => {
    expect(() => toCents(amount)).toThrow(RangeError);
  });
});

describe('formatCents', () => {
  it.each([
    [0n, '0.00'],
    [1n, '0.01'],
    [10n, '0.10'],
    [99n, '0.99'],
    [100n, '1.00'],
    [1990n, '19.90'],
    [1999n, '19.99'],
    [999999999999n, '9999999999.99'],
    [9007199254740993n, '90071992547409.93'],
    [-5n, '-0.05'],
    [-1999n, '-19.99'],
  ])('formats %p cents as %p', (cents, text) => {
    expect(formatCents(cents)).toBe(text);
  });
});

describe('normalizeMoney', () => {
  it.each([
    ['5', '5.00'],
    ['5.5', '5.50'],
    ['5.05', '5.05'],
    ['0.1', '0.10'],
    ['0', '0.00'],
    ['9999999999.99', '9999999999.99'],
  ])('normalises %p to %p', (amount, normalized) => {
    expect(normalizeMoney(amount)).toBe(normalized);
  });

  it.each(INVALID_AMOUNTS)('throws for %p', (amount) => {
    expect(() => normalizeMoney(amount)).toThrow(RangeError);
  });
});

describe('lineTotal', () => {
  it('multiplies exactly where floats drift (0.10 x 3 is 0.30, not 0.30000000000000004)', () => {
    expect(0.1 * 3).not.toBe(0.3); // the trap this function exists to avoid
    expect(lineTotal('0.10', 3)).toBe('0.30');
    expect(lineTotal('0.1', 3)).toBe('0.30');
  });

  it.each([
    ['19.99', 1, '19.99'],
    ['19.99', 2, '39.98'],
    ['1.15', 3, '3.45'],
    ['4.35', 99, '430.65'],
    ['0.01', 99, '0.99'],
    ['5', 7, '35.00'],
  ])('%p x %p = %p', (price, quantity, total) => {
    expect(lineTotal(price, quantity)).toBe(total);
  });

  it('handles the largest price at the largest line quantity (9999999999.99 x 99)', () => {
    expect(lineTotal('9999999999.99', 99)).toBe('989999999999.01');
  });

  it('throws for a price that is not a money amount', () => {
    expect(() => lineTotal('abc', 1)).toThrow(RangeError);
    expect(() => lineTotal('1.999', 1)).toThrow(RangeError);
  });

  it('throws for a quantity that is not an integer', () => {
    expect(() => lineTotal('1.00', 1.5)).toThrow(RangeError);
    expect(() => lineTotal('1.00', Number.NaN)).toThrow(RangeError);
  });
});

describe('sumMoney', () => {
  it('adds "0.1" and "0.2" to exactly "0.30"', () => {
    expect(0.1 + 0.2).not.toBe(0.3); // the float trap
    expect(sumMoney(['0.1', '0.2'])).toBe('0.30');
  });

  it('is "0.00" for no amounts', () => {
    expect(sumMoney([])).toBe('0.00');
  });

  it('adds a hundred cents to exactly "1.00"', () => {
    expect(sumMoney(Array.from({ length: 100 }, () => '0.01'))).toBe('1.00');
  });

  it('adds float-hostile amounts exactly', () => {
    expect(sumMoney(['0.10', '0.20', '0.70', '1.15', '4.35'])).toBe('6.50');
    expect(sumMoney(['0.30', '39.98'])).toBe('40.28');
  });

  it('adds totals beyond NUMERIC(12,2) and beyond float precision exactly', () => {
    const line = lineTotal('9999999999.99', 99);
    expect(sumMoney([line, line])).toBe('1979999999998.02');
    expect(sumMoney(Array.from({ length: 1000 }, () => line))).toBe('989999999999010.00');
  });

  it('accepts any iterable, such as a generator', () => {
    function* amounts() {
      yield '1.01';
      yield '2.02';
      yield '3.03';
    }
    expect(sumMoney(amounts())).toBe('6.06');
  });

  it('throws when any amount is invalid', () => {
    expect(() => sumMoney(['1.00', 'oops'])).toThrow(RangeError);
    expect(() => sumMoney(['1.00', '-1.00'])).toThrow(RangeError);
  });
});

describe('PRICE_PATTERN', () => {
  // Ajv compiles schema patterns with the unicode flag; test the same way.
  const price = new RegExp(PRICE_PATTERN, 'u');

  it.each([
    '1',
    '9',
    '10',
    '19.99',
    '19.9',
    '19.0',
    '10.00',
    '0.01',
    '0.09',
    '0.1',
    '0.10',
    '0.5',
    '0.99',
    '1000000000',
    '9999999999',
    '9999999999.99',
  ])('accepts %p', (text) => {
    expect(price.test(text)).toBe(true);
  });

  it.each([
    ['zero', '0'],
    ['zero with places', '0.0'],
    ['zero with two places', '0.00'],
    ['negative', '-1'],
    ['negative cents', '-0.01'],
    ['explicit plus sign', '+1'],
    ['three places', '1.999'],
    ['three places under one', '0.001'],
    ['trailing dot', '1.'],
    ['no integer part', '.5'],
    ['leading zero', '01'],
    ['leading zero with places', '01.00'],
    ['leading zeros under one', '00.5'],
    ['eleven integer digits', '10000000000'],
    ['eleven integer digits with places', '10000000000.00'],
    ['exponent', '1e3'],
    ['comma decimal', '1,00'],
    ['leading space', ' 1'],
    ['trailing space', '1 '],
    ['trailing newline', '1\n'],
    ['empty', ''],
    ['letters', 'abc'],
    ['hex', '0x10'],
    ['non-ASCII digits', '١٢'],
  ])('rejects %s (%p)', (_label, text) => {
    expect(price.test(text)).toBe(false);
  });

  it('every accepted price is a valid money amount that normalises to two places', () => {
    for (const text of ['1', '19.9', '0.1', '9999999999.99']) {
      expect(price.test(text)).toBe(true);
      expect(normalizeMoney(text)).toMatch(/^[0-9]+\.[0-9]{2}$/);
    }
  });
});
