// @ts-nocheck
import { formatBytes, formatCpu, isQuantity, parseQuantity } from '../constructs/core/quantity';

describe('Kubernetes quantities', () => {
  it.each([
    ['500m', 0.5],
    ['1.5', 1.5],
    ['2', 2],
    ['.5', 0.5],
    ['250u', 0.00025],
    ['100n', 1e-7],
    ['2Gi', 2 * 2 ** 30],
    ['512Mi', 512 * 2 ** 20],
    ['1Ki', 1024],
    ['1G', 1e9],
    ['1k', 1000],
    ['1e3', 1000],
    ['5E-1', 0.5],
    ['1.5Gi', 1.5 * 2 ** 30],
    ['+1', 1],
    ['1E', 1e18],
    ['1Ei', 2 ** 60],
  ])('parses %s', (text, value) => {
    expect(isQuantity(text)).toBe(true);
    expect(parseQuantity(text)).toBeCloseTo(value, 12);
  });

  it.each(['2 cores', '', '1gi', '1GB', 'Gi', '1.2.3', '--1', '1 Gi', 'm'])('rejects %j', (text) => {
    expect(isQuantity(text)).toBe(false);
    expect(() => parseQuantity(text)).toThrow(`"${text}" is not a Kubernetes quantity`);
  });

  it('formats for people', () => {
    expect(formatCpu(0.25)).toBe('250m');
    expect(formatCpu(50.5)).toBe('50.5');
    expect(formatBytes(1536 * 2 ** 20)).toBe('1.5Gi');
    expect(formatBytes(512 * 2 ** 20)).toBe('512Mi');
    expect(formatBytes(100)).toBe('100');
    // At each unit's boundary, the larger unit.
    expect(formatCpu(1)).toBe('1');
    expect(formatBytes(2 ** 30)).toBe('1Gi');
    expect(formatBytes(2048)).toBe('2Ki');
  });
});
