// What the browser test checks on every page: that it fits the window (no sideways scroll) and what
// axe-core (the accessibility engine, injected into the page) finds on it. The in-page code is a
// string: this project's TypeScript has no DOM types.
import fs from 'node:fs';
import type { Page } from 'playwright-core';

const AXE_SOURCE = fs.readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

export type AxeFinding = { id: string; impact: 'minor' | 'moderate' | 'serious' | 'critical'; help: string; nodes: string[] };
export type PageWidth = { scrollWidth: number; widest: string | null };

/** The document's width (a page that scrolls sideways is wider than the window) and the element sticking out furthest. */
export function pageWidth(page: Page): Promise<PageWidth> {
  return page.evaluate(`(() => {
    const scrollWidth = Math.max(document.documentElement.scrollWidth, document.body.scrollWidth);
    let widest = null;
    let right = document.documentElement.clientWidth;
    for (const el of document.body.querySelectorAll('*')) {
      const r = el.getBoundingClientRect().right + window.scrollX;
      if (r > right + 0.5) {
        right = r;
        const cls = typeof el.className === 'string' && el.className.trim() ? '.' + el.className.trim().split(/\\s+/).join('.') : '';
        widest = el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') + cls + ' (' + Math.round(r) + ' px)';
      }
    }
    return { scrollWidth, widest };
  })()`);
}

/** axe-core's violations on the page as it is now (evaluated through the DevTools protocol, which the page's CSP does not restrict). */
export async function axeFindings(page: Page): Promise<AxeFinding[]> {
  if (!(await page.evaluate(`typeof window.axe === 'object'`))) await page.evaluate(AXE_SOURCE);
  return page.evaluate(`window.axe.run(document, { resultTypes: ['violations'] }).then((r) =>
    r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map((n) => n.target.join(' ')) })))`);
}
