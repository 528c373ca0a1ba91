// The docs page "Images by URL or base64": the other ways to give /recognise and /batch an image, the
// outbound guard, and the per-request options that came with them (camera_id, timestamp, thresholds).
import { UPLOAD_LIMITS } from '@npr/contracts';
import type { DocPage } from './docs.routes';
import { codeBlock } from './components';
import { html } from './html';

export const imageUrlCurl = (base: string) => `curl -X POST ${base}/recognise \\
  -H "Authorization: Bearer YOUR_API_KEY" \\
  -F "upload_url=https://camera.example.com/snapshot.jpg" \\
  -F "camera_id=gate-2" \\
  -F "threshold_read=0.6"`;

export const imageBase64Python = (base: string) => `import base64
import requests

with open("car.jpg", "rb") as image:
    encoded = base64.b64encode(image.read()).decode()
response = requests.post(
    "${base}/recognise",
    json={"upload": encoded, "camera_id": "gate-2", "timestamp": "2026-12-02T15:04:05Z"},
    headers={"Authorization": "Bearer YOUR_API_KEY"},
)
body = response.json()
if response.status_code == 200:
    for result in body["results"]:
        print(result["plate"], result["confidence"], body["camera_id"])
else:
    print(body["error"]["code"])`;

export const imageUrlJavaScript = (base: string) => `const response = await fetch("${base}/batch", {
  method: "POST",
  headers: { Authorization: "Bearer YOUR_API_KEY", "Content-Type": "application/json" },
  body: JSON.stringify({
    upload_url: ["https://camera.example.com/gate-1.jpg", "https://camera.example.com/gate-2.jpg"],
    threshold_detection: 0.5,
  }),
});
const { results } = await response.json();
for (const entry of results) console.log(entry.success ? entry.results[0].plate : entry.error.code);`;

export const IMAGE_INPUTS_DOC_PAGE: DocPage = {
  slug: 'image-inputs',
  title: 'Images by URL or base64',
  body: (base) => html`<p>Besides a file in <code>multipart/form-data</code>, <code>/recognise</code> and <code>/batch</code> take an image as a URL for the server to fetch, or as a base64 string. The same rules apply to all three: at most ${UPLOAD_LIMITS.maxFileBytes / 1024 / 1024}MB, JPEG, PNG or WebP, at least ${UPLOAD_LIMITS.minWidth} × ${UPLOAD_LIMITS.minHeight} pixels.</p>
      <h2>Fields</h2>
      <div class="table-wrap"><table><thead><tr><th scope="col">Field</th><th scope="col">Endpoint</th><th scope="col">Description</th></tr></thead>
        <tbody><tr><td><code>upload</code> (text)</td><td><code>/recognise</code></td><td>The image as a base64 string (a <code>data:image/jpeg;base64,</code> prefix is fine)</td></tr>
        <tr><td><code>upload_url</code></td><td><code>/recognise</code>, <code>/batch</code> (repeat it)</td><td>An <code>http</code> or <code>https</code> URL the server fetches the image from</td></tr>
        <tr><td><code>images[]</code> (text)</td><td><code>/batch</code></td><td>Images as base64 strings, beside or instead of files; a batch has 1 to ${UPLOAD_LIMITS.maxBatchFiles} images in all, answered in the order files, base64 strings, URLs</td></tr>
        <tr><td><code>camera_id</code></td><td>both</td><td>Echoed in the answer (also when the job is polled)</td></tr>
        <tr><td><code>timestamp</code></td><td>both</td><td>ISO 8601 (UTC when no offset is given); echoed in the answer in UTC</td></tr>
        <tr><td><code>threshold_detection</code></td><td>both</td><td>0 to 1: plates the detector is less sure of are left out</td></tr>
        <tr><td><code>threshold_read</code></td><td>both</td><td>0 to 1: plates read with less confidence are left out; none left is <code>422 NO_PLATES_FOUND</code></td></tr></tbody></table></div>
      <p>The fields may be sent as multipart form fields, <code>application/x-www-form-urlencoded</code> or JSON. Send exactly one of a file, <code>upload</code> and <code>upload_url</code> to <code>/recognise</code>.</p>
      <h2>What the server fetches</h2>
      <p>Only public addresses: a URL whose host is (or resolves to) a loopback, private, link-local, unique-local, shared (CGNAT), multicast or cloud-metadata address is refused with <code>400 BAD_REQUEST</code>, and so is a redirect to one. At most three redirects are followed; the fetch has a time limit. An operator can allow named private hosts (<code>OUTBOUND_ALLOWED_HOSTS</code>), such as a camera on the local network. In a batch, a refused or failing URL is that image's error; the others are still read.</p>
      <h2>Examples</h2>
      <h3>curl: an image by URL</h3>
      ${codeBlock(imageUrlCurl(base), { label: 'curl: an image by URL' })}
      <h3>Python: a base64 image in JSON</h3>
      ${codeBlock(imageBase64Python(base), { label: 'Python: a base64 image in JSON' })}
      <h3>JavaScript: a batch of URLs</h3>
      ${codeBlock(imageUrlJavaScript(base), { label: 'JavaScript: a batch of URLs' })}`,
};
