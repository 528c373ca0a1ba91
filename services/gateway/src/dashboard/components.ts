import type { Samples } from './docs-samples';
// Pieces of markup several pages share.
import { html, type SafeHtml } from './html';

/** A button that copies `target`'s value or text (assets/copy.js); "Copied" takes the label's place without moving anything. */
export function copyButton(target: string, label = 'Copy', extraClass = ''): SafeHtml {
  return html`<button type="button" class="button copy${extraClass ? ` ${extraClass}` : ''}" data-copy="${target}"><span class="copy-label">${label}</span><span class="copy-done">Copied</span></button>`;
}

/** A code block; focusable so that keyboard users can scroll a long line sideways. */
export function codeBlock(text: string, opts: { id?: string; label?: string } = {}): SafeHtml {
  return html`<pre class="code"${opts.id ? html` id="${opts.id}"` : ''} tabindex="0"${opts.label ? html` aria-label="${opts.label}"` : ''}>${text}</pre>`;
}

/** A table in a wrapper that scrolls sideways (not the page) when the table is wider than the screen. */
export function tableWrap(label: string, table: SafeHtml): SafeHtml {
  return html`<div class="table-wrap" role="region" aria-label="${label}" tabindex="0">${table}</div>`;
}

/** The same request in curl, Python and JavaScript: one below the other, or tabs (assets/samples.js). */
export function codeSamples(title: string, s: Samples): SafeHtml {
  const block = (lang: keyof Samples, name: string) =>
    html`<p class="sample-lang" data-lang="${lang}">${name}</p>${codeBlock(s[lang], { label: `${title}: ${name}` })}`;
  return html`<div class="samples" role="group" aria-label="${title}">
    ${block('curl', 'curl')}${block('python', 'Python (requests)')}${block('javascript', 'JavaScript (Node 20+, fetch)')}
  </div>`;
}

