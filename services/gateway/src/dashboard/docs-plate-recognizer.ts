// The docs page "Moving from Plate Recognizer": what to change in a client written for their Snapshot API,
// what the answer looks like, and what differs. Its facts live in openapi/plate-reader-docs.ts.
import {
  EXAMPLE_PLATE_READER_ERRORS,
  EXAMPLE_PLATE_READER_RESPONSE,
  PLATE_READER_DIFFERENCES,
  PLATE_READER_PATH,
  plateReaderCurl,
  plateReaderJavaScript,
  plateReaderPython,
} from '../openapi/plate-reader-docs';
import type { DocPage } from './docs.routes';
import { codeBlock, codeSamples } from './components';
import { html, type SafeHtml } from './html';

const pretty = (v: unknown) => JSON.stringify(v, null, 2);

/** `code` spans of the shared sentences as <code>. */
const withCode = (text: string): SafeHtml => html`${text.split('`').map((part, i) => (i % 2 ? html`<code>${part}</code>` : part))}`;

export const PLATE_RECOGNIZER_DOC_PAGE: DocPage = {
  slug: 'plate-recognizer',
  title: 'Moving from Plate Recognizer',
  body: (base) => {
    const origin = base.replace(/\/api\/v1$/, '');
    return html`<p class="lead">Clients written for Plate Recognizer's Snapshot API work with NPR API by changing the base URL and the key.</p>
      <p><span class="method">POST</span> <code>${PLATE_READER_PATH}</code> (also without the trailing slash) takes the same request as theirs: <code>upload</code> as a file or a base64 string, or <code>upload_url</code>; <code>regions</code>, <code>camera_id</code>, <code>timestamp</code>, <code>mmc</code> and <code>config</code>. It answers in their shape, with the same keys, rate limits and usage as <code>/api/v1/recognise</code>.</p>
      <h2>What to change</h2>
      <ol>
        <li>The URL: <code>https://api.platerecognizer.com/v1/plate-reader/</code> becomes <code>${origin}${PLATE_READER_PATH}</code>.</li>
        <li>The token: an API key from <a href="/settings/api-keys">Settings → API Keys</a>, sent as before: <code>Authorization: Token YOUR_API_KEY</code>.</li>
      </ol>
      <h2>Read a plate</h2>
      ${codeSamples('Read a plate', { curl: plateReaderCurl(origin), python: plateReaderPython(origin), javascript: plateReaderJavaScript(origin) })}
      <h2>Response</h2>
      <p><strong>201 Created</strong></p>
      ${codeBlock(pretty(EXAMPLE_PLATE_READER_RESPONSE), { label: 'Example 201 response' })}
      <h2>Errors</h2>
      <div class="table-wrap"><table><thead><tr><th scope="col">Status</th><th scope="col">Body</th></tr></thead>
        <tbody>${Object.entries(EXAMPLE_PLATE_READER_ERRORS).map(([status, body]) => html`<tr><td>${status}</td><td><code>${JSON.stringify(body)}</code></td></tr>`)}</tbody></table></div>
      <h2>What differs</h2>
      <ul>${PLATE_READER_DIFFERENCES.map((d) => html`<li>${withCode(d)}</li>`)}</ul>`;
  },
};
