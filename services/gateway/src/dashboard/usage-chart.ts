import { html, type SafeHtml } from './html';
import { formatDay, formatInt } from './format';

export type UsageSeries = { label: string; counts: number[] };

// Distinguishable for common colour-vision deficiencies (Okabe-Ito), dark enough on white.
const PALETTE = ['#0072B2', '#D55E00', '#009E73', '#CC79A7', '#E69F00', '#56B4E9', '#7A5C00', '#444444'];
export const seriesColour = (i: number) => PALETTE[i % PALETTE.length]!;

function niceMax(n: number): number {
  if (n <= 4) return 4;
  const pow = 10 ** Math.floor(Math.log10(n));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * pow >= n) return m * pow;
  return 10 * pow;
}

/** A stacked bar chart (inline SVG, no script) of images processed per day, one colour per key. */
export function usageChart(days: Date[], series: UsageSeries[]): SafeHtml {
  const W = 760;
  const H = 240;
  const pad = { left: 48, right: 12, top: 12, bottom: 36 };
  const plotW = W - pad.left - pad.right;
  const plotH = H - pad.top - pad.bottom;
  const totals = days.map((_, d) => series.reduce((sum, s) => sum + (s.counts[d] ?? 0), 0));
  const max = niceMax(Math.max(0, ...totals));
  const slot = plotW / days.length;
  const barW = Math.max(2, slot * 0.7);
  const y = (v: number) => pad.top + plotH - (v / max) * plotH;
  const total = totals.reduce((a, b) => a + b, 0);

  const bars: SafeHtml[] = [];
  days.forEach((day, d) => {
    let acc = 0;
    series.forEach((s, i) => {
      const v = s.counts[d] ?? 0;
      if (!v) return;
      const top = y(acc + v);
      const height = y(acc) - top;
      acc += v;
      bars.push(html`<rect x="${(pad.left + d * slot + (slot - barW) / 2).toFixed(1)}" y="${top.toFixed(1)}" width="${barW.toFixed(1)}" height="${Math.max(1, height).toFixed(1)}" fill="${seriesColour(i)}"><title>${formatDay(day)} · ${s.label}: ${formatInt(v)}</title></rect>`);
    });
  });
  // counts are whole images: no 2.5 on the axis
  const ticks = max % 2 === 0 ? [0, max / 2, max] : [0, max];
  const labelEvery = 5;

  return html`<figure class="chart">
    <svg viewBox="0 0 ${W} ${H}" width="100%" role="img" aria-labelledby="chart-title chart-desc" class="usage-svg">
      <title id="chart-title">Images processed per day, last ${days.length} days</title>
      <desc id="chart-desc">${formatInt(total)} images processed in total. The table below the chart has every number.</desc>
      ${ticks.map((t) => html`<g class="tick"><line x1="${pad.left}" x2="${W - pad.right}" y1="${y(t).toFixed(1)}" y2="${y(t).toFixed(1)}" /><text x="${pad.left - 6}" y="${(y(t) + 4).toFixed(1)}" text-anchor="end">${formatInt(t)}</text></g>`)}
      ${bars}
      ${days.map((day, d) =>
        (days.length - 1 - d) % labelEvery === 0
          ? html`<text class="xlabel" x="${(pad.left + d * slot + slot / 2).toFixed(1)}" y="${H - 14}" text-anchor="middle">${formatDay(day).slice(5)}</text>`
          : '',
      )}
    </svg>
    <figcaption>
      ${series.length
        ? html`<ul class="legend">${series.map((s, i) => html`<li><svg class="swatch" width="12" height="12" aria-hidden="true"><rect width="12" height="12" fill="${seriesColour(i)}" /></svg>${s.label}</li>`)}</ul>`
        : html`No images processed in this period yet.`}
    </figcaption>
  </figure>`;
}
