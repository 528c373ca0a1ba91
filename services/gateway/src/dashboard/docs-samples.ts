// The docs' code samples: the same request in curl, Python (requests) and JavaScript (Node 20+, fetch),
// written against the base URL the reader reaches. test/docs-samples.test.ts runs every one of them
// against a real gateway, so a sample that stops working fails a test.

export type Samples = { curl: string; python: string; javascript: string };

const KEY = 'YOUR_API_KEY';

export const recogniseSamples = (base: string): Samples => ({
  curl: `curl -X POST ${base}/recognise \\
  -H "Authorization: Bearer ${KEY}" \\
  -F "upload=@plate.jpg"`,
  python: `import requests

with open("plate.jpg", "rb") as photo:
    response = requests.post(
        "${base}/recognise",
        headers={"Authorization": "Bearer ${KEY}"},
        files={"upload": photo},
    )
body = response.json()
if body["success"]:
    for result in body["results"]:
        print(result["plate"], result["confidence"], result["vehicle"])
else:
    print(response.status_code, body["error"]["code"], body["error"]["message"])`,
  javascript: `import { openAsBlob } from 'node:fs';

const form = new FormData();
form.append('upload', await openAsBlob('plate.jpg'), 'plate.jpg');
const response = await fetch('${base}/recognise', {
  method: 'POST',
  headers: { Authorization: 'Bearer ${KEY}' },
  body: form,
});
const body = await response.json();
if (body.success) {
  for (const result of body.results) console.log(result.plate, result.confidence, result.vehicle);
} else {
  console.log(response.status, body.error.code, body.error.message);
}`,
});

export const batchSamples = (base: string): Samples => ({
  curl: `curl -X POST ${base}/batch \\
  -H "Authorization: Bearer ${KEY}" \\
  -F "images[]=@plate1.jpg" \\
  -F "images[]=@plate2.jpg" \\
  -F "images[]=@plate3.jpg"`,
  python: `import requests

paths = ["plate1.jpg", "plate2.jpg", "plate3.jpg"]
files = [("images[]", open(path, "rb")) for path in paths]
response = requests.post(
    "${base}/batch",
    headers={"Authorization": "Bearer ${KEY}"},
    files=files,
)
# one entry per image, in upload order; each has its own success
for path, entry in zip(paths, response.json()["results"]):
    if entry["success"]:
        print(path, [result["plate"] for result in entry["results"]])
    else:
        print(path, entry["error"]["code"])`,
  javascript: `import { openAsBlob } from 'node:fs';

const paths = ['plate1.jpg', 'plate2.jpg', 'plate3.jpg'];
const form = new FormData();
for (const path of paths) form.append('images[]', await openAsBlob(path), path);
const response = await fetch('${base}/batch', {
  method: 'POST',
  headers: { Authorization: 'Bearer ${KEY}' },
  body: form,
});
// one entry per image, in upload order; each has its own success
const { results } = await response.json();
results.forEach((entry, i) => {
  console.log(paths[i], entry.success ? entry.results.map((result) => result.plate) : entry.error.code);
});`,
});

export const asyncSamples = (base: string): Samples => ({
  curl: `# 1. submit: answers 202 at once with the job's URL (also in the Location header)
curl -X POST "${base}/recognise?async=true" \\
  -H "Authorization: Bearer ${KEY}" \\
  -F "upload=@plate.jpg"

# 2. poll the "url" from that answer until "status" is "completed" or "failed"
curl ${base}/jobs/JOB_ID \\
  -H "Authorization: Bearer ${KEY}"`,
  python: `import time
import requests

headers = {"Authorization": "Bearer ${KEY}"}
with open("plate.jpg", "rb") as photo:
    job = requests.post("${base}/recognise?async=true", headers=headers, files={"upload": photo}).json()

while True:
    response = requests.get(job["url"], headers=headers)
    body = response.json()
    if body.get("status") in ("completed", "failed") or "job_id" not in body:
        break
    time.sleep(1)  # queued or processing: ask again shortly
print(response.status_code, body)`,
  javascript: `import { openAsBlob } from 'node:fs';

const headers = { Authorization: 'Bearer ${KEY}' };
const form = new FormData();
form.append('upload', await openAsBlob('plate.jpg'), 'plate.jpg');
const job = await (await fetch('${base}/recognise?async=true', { method: 'POST', headers, body: form })).json();

let response;
let body;
for (;;) {
  response = await fetch(job.url, { headers });
  body = await response.json();
  if (body.status === 'completed' || body.status === 'failed' || !body.job_id) break;
  await new Promise((resolve) => setTimeout(resolve, 1000)); // queued or processing: ask again shortly
}
console.log(response.status, body);`,
});

export const retrySamples = (base: string): Samples => ({
  curl: `# -i shows the headers: on 429, Retry-After says how many seconds to wait
curl -i -X POST ${base}/recognise \\
  -H "Authorization: Bearer ${KEY}" \\
  -F "upload=@plate.jpg"`,
  python: `import time
import requests

def recognise(path):
    while True:
        with open(path, "rb") as photo:
            response = requests.post(
                "${base}/recognise",
                headers={"Authorization": "Bearer ${KEY}"},
                files={"upload": photo},
            )
        if response.status_code != 429:
            return response
        time.sleep(int(response.headers["Retry-After"]))  # the window resets then

response = recognise("plate.jpg")
print(response.status_code, response.headers["X-RateLimit-Remaining"], "left in this window")`,
  javascript: `import { openAsBlob } from 'node:fs';

async function recognise(path) {
  for (;;) {
    const form = new FormData();
    form.append('upload', await openAsBlob(path), path);
    const response = await fetch('${base}/recognise', {
      method: 'POST',
      headers: { Authorization: 'Bearer ${KEY}' },
      body: form,
    });
    if (response.status !== 429) return response;
    const seconds = Number(response.headers.get('Retry-After')); // the window resets then
    await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
  }
}

const response = await recognise('plate.jpg');
console.log(response.status, response.headers.get('X-RateLimit-Remaining'), 'left in this window');`,
});
