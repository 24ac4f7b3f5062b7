import { lastMonthsWindow, monthsBefore, monthWords, oneDecimal } from './window.js';

describe('console date windows', () => {
  it.each([
    ['2026-11-21', 3, '2026-08-21'],
    ['2026-05-31', 3, '2026-02-28'],
    ['2024-05-31', 3, '2024-02-29'],
    ['2026-01-15', 12, '2025-01-15'],
    ['2026-02-10', 2, '2025-12-10'],
  ])('%s minus %i months is %s', (today, n, expected) => {
    expect(monthsBefore(today, n)).toBe(expected);
  });

  it.each([
    ['2026-11-21', 3, { from: '2026-08-22', to: '2026-11-21' }],
    ['2026-11-30', 6, { from: '2026-05-31', to: '2026-11-30' }],
    ['2026-12-31', 12, { from: '2026-01-01', to: '2026-12-31' }],
  ])('the last months up to %s (%i) is %j', (today, n, expected) => {
    expect(lastMonthsWindow(today, n)).toEqual(expected);
  });

  it.each([
    ['2026-11', false, 'November 2026'],
    ['2026-01', true, 'Jan 2026'],
    ['nonsense', false, 'nonsense'],
  ])('%s reads %s', (month, short, expected) => {
    expect(monthWords(month, short)).toBe(expected);
  });

  it.each([
    [12.345, '12.3'],
    [4, '4'],
    [0.05, '0.1'],
    [1234.56, '1,234.6'],
  ])('%d shows as %s', (n, expected) => {
    expect(oneDecimal(n)).toBe(expected);
  });
});
