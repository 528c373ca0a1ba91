import { checkReadiness } from './health';

describe('checkReadiness', () => {
  test('ready only when every check passes; a throwing or hanging check counts as not ready', async () => {
    expect(await checkReadiness([{ name: 'a', check: () => true }, { name: 'b', check: async () => true }])).toEqual({ ready: true, checks: { a: true, b: true } });
    const report = await checkReadiness(
      [
        { name: 'ok', check: () => true },
        { name: 'throws', check: () => Promise.reject(new Error('down')) },
        { name: 'hangs', check: () => new Promise<boolean>(() => {}) },
      ],
      50,
    );
    expect(report).toEqual({ ready: false, checks: { ok: true, throws: false, hangs: false } });
  });
});
