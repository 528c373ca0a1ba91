import { expandPattern, formatFit, formatPlate, matchTemplate, parseRegions, templatesOfLength } from './plate-formats';

describe('plate formats', () => {
  it('expands counted classes into fixed-length templates with separators', () => {
    const ts = expandPattern('t', 'A{1,2} 9');
    expect(ts.map((t) => t.classes.length)).toEqual([2, 3]);
    expect(ts[1].separators).toEqual(['', ' ', '']);
  });

  it.each([
    ['AB12CDE', 'AB12 CDE', 'gb-current'],
    ['A123BCD', 'A123 BCD', 'gb-prefix'],
    ['ABC123D', 'ABC 123D', 'gb-suffix'],
    ['ABC1234', 'ABC 1234', 'gb-dateless'],
    ['ABZ1234', 'ABZ 1234', 'gb-dateless'], // Northern Ireland
    ['1234AB', '1234 AB', 'gb-dateless-reversed'],
  ])('reads %s as the UK prints it (%s, %s)', (text, printed, format) => {
    expect(formatFit(text, 'gb')).toBe('strict');
    expect(matchTemplate(text, 'gb')?.name).toBe(format);
    expect(formatPlate(text, 'gb')).toBe(printed);
  });

  it('weighs formats by how common they are: a dateless reading counts less than a current one', () => {
    expect(matchTemplate('AB12CDE', 'gb')!.weight).toBe(1);
    expect(matchTemplate('ABC1234', 'gb')!.weight).toBeLessThan(0.5);
  });

  it('rejects UK current plates with letters the DVLA never issues (I, Q in the random letters)', () => {
    expect(formatFit('AB12CDQ', 'gb')).toBe('none');
    expect(formatFit('AB12CD1', 'gb')).toBe('none');
  });

  it('knows both Brazilian formats and prints them without separators', () => {
    expect(formatPlate('ABC1234', 'br')).toBe('ABC1234');
    expect(formatPlate('ABC1D23', 'br')).toBe('ABC1D23');
    expect(formatFit('ABC12D3', 'br')).toBe('none');
    expect(formatFit('AB1234', 'br')).toBe('none');
  });

  it.each([
    ['de', 'BAB1234', 'BAB 1234'],
    ['de', 'MAB123E', 'MAB 123E'],
    ['fr', 'AB123CD', 'AB-123-CD'],
    ['nl', 'AB12CD', 'AB-12-CD'],
    ['nl', '12ABC3', '12-ABC-3'],
    ['sk', 'BA123AB', 'BA-123AB'],
    ['cz', '1A23456', '1A2 3456'],
    ['pl', 'WA12345', 'WA 12345'],
    ['it', 'AB123CD', 'AB 123 CD'],
    ['es', '1234BCD', '1234 BCD'],
  ])('%s: %s prints as %s', (region, text, printed) => {
    expect(formatFit(text, region as never)).toBe('strict');
    expect(formatPlate(text, region as never)).toBe(printed);
  });

  it('uses Spanish consonant-only series', () => {
    expect(formatFit('1234ABC', 'es')).toBe('none');
  });

  it('treats US and other-European plates as loose: any 2-8 / 4-9 alphanumerics', () => {
    expect(formatFit('LUVMYCAR', 'us')).toBe('loose');
    expect(formatFit('A', 'us')).toBe('none');
    expect(formatFit('ABCDEFGHIJ', 'eu')).toBe('none');
    expect(templatesOfLength('us', 7)).toEqual([]);
  });

  it('writes the letter O as the digit 0 on US plates, as the US labels do', () => {
    expect(formatPlate('7OAB12', 'us')).toBe('70AB12');
  });

  it('leaves text that fits no format of the region as read', () => {
    expect(formatPlate('XYZ', 'fr')).toBe('XYZ');
  });

  it('parses region hints leniently and drops unknown codes', () => {
    expect(parseRegions('gb, US,xx,uk')).toEqual(['gb', 'us']);
    expect(parseRegions(['br', 'us-ca'])).toEqual(['br', 'us']);
    expect(parseRegions(undefined)).toEqual([]);
    expect(parseRegions('at')).toEqual(['eu']); // no class of its own: "other Europe"
    expect(parseRegions('eu')).toEqual(expect.arrayContaining(['de', 'sk', 'cz', 'eu']));
    expect(parseRegions('eu')).not.toContain('gb');
  });
});
