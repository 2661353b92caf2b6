import { MAX_QUANTITY, toThousandths } from './quantity';

describe('toThousandths', () => {
  it.each([
    ['an integer', 2, 2000],
    ['zero', 0, 0],
    ['3 decimals ok', 1.005, 1005],
    ['0.1 is exactly 100', 0.1, 100],
    ['0.2 is exactly 200', 0.2, 200],
    ['0.3 is exactly 300', 0.3, 300],
    ['a large value with 3 decimals', 123456789.123, 123456789123],
    ['the maximum', MAX_QUANTITY, MAX_QUANTITY * 1000],
  ])('accepts %s', (_name, x, milli) => {
    expect(toThousandths(x)).toBe(milli);
  });

  it.each([
    ['4 decimals refused', 1.2345],
    ['a tiny fraction refused', 0.0001],
    ['1e-7 refused', 1e-7],
    ['the float sum 0.1 + 0.2 refused as written', 0.1 + 0.2],
    ['negative', -1],
    ['negative zero fraction', -0.001],
    ['NaN', Number.NaN],
    ['Infinity', Number.POSITIVE_INFINITY],
    ['above the maximum', MAX_QUANTITY + 1],
  ])('refuses %s', (_name, x) => {
    expect(toThousandths(x)).toBeUndefined();
  });

  it('adds 0.1 and 0.2 to exactly 0.3 in thousandths', () => {
    const sum = (toThousandths(0.1) ?? -1) + (toThousandths(0.2) ?? -1);
    expect(sum).toBe(toThousandths(0.3));
    expect(0.1 + 0.2).not.toBe(0.3); // the float pitfall the thousandths avoid
  });

  it('round-trips every 3-decimal value in a sweep of awkward magnitudes', () => {
    const bad: string[] = [];
    for (const base of [0, 1, 7, 1023, 65535, 999_999]) {
      for (let m = 0; m < 1000; m += 7) {
        const text = `${base}.${String(m).padStart(3, '0')}`;
        if (toThousandths(Number(text)) !== base * 1000 + m) bad.push(text);
      }
    }
    expect(bad).toEqual([]);
  });
});
