import type { ObservedColour } from '@npr/contracts';
import type { Lch } from './lab';

/**
 * Names the palette colour of one LCh colour. Thresholds are coarse on purpose: a car's paint
 * under daylight, shade and reflections spreads widely, and the palette is small.
 */
export function nameColour({ l, c, h }: Lch): ObservedColour['name'] {
  // black paint is neutral; dark blues keep a little chroma even in shade (sky reflections on
  // light paints add some too, hence the wider neutral band for blue hues when lighter)
  const bluish = h >= 200 && h < 300;
  const neutral = l < 30 ? c < (bluish ? 6 : 12) : c < (bluish ? 14 : 10);
  if (neutral) {
    if (l < 25) return 'black';
    if (l < 50) return 'grey';
    if (l < 74) return 'silver';
    return 'white';
  }
  if (h < 20 || h >= 330) return 'red';
  if (h < 50) return l < 40 && c < 35 ? 'brown' : 'red';
  if (h < 75) return c >= 35 ? 'orange' : l < 60 ? 'brown' : 'beige';
  if (h < 115) return c >= 35 ? 'yellow' : l < 60 ? 'brown' : 'beige';
  if (h < 185) return 'green';
  return 'blue';
}
