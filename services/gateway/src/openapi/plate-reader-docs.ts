// The facts of "Moving from Plate Recognizer": examples and code samples that the docs page and the OpenAPI
// document both show; a unit test parses the examples with the schemas the endpoint answers with.
import type { PlateReaderError, PlateReaderResponse } from '@npr/contracts';

export const PLATE_READER_PATH = '/v1/plate-reader/';

export const EXAMPLE_PLATE_READER_RESPONSE: PlateReaderResponse = {
  processing_time: 412.07,
  results: [
    {
      box: { xmin: 120, ymin: 340, xmax: 320, ymax: 400 },
      plate: 'ab12cde',
      region: { code: 'gb', score: null },
      score: 0.97,
      dscore: 0.91,
      candidates: [
        { score: 0.97, plate: 'ab12cde' },
        { score: 0.02, plate: 'ab12cdf' },
      ],
      vehicle: { score: null, type: 'Van', box: null },
    },
  ],
  filename: 'car.jpg',
  version: 1,
  camera_id: 'gate-2',
  timestamp: '2026-12-02T15:04:05.000Z',
};

export const EXAMPLE_PLATE_READER_ERRORS: Record<'400' | '403' | '413' | '429', PlateReaderError> = {
  '400': { error: 'The uploaded file is not a valid image.', status_code: 400, code: 'INVALID_IMAGE' },
  '403': { detail: 'The API key is missing, malformed, unknown, expired or revoked.', status_code: 403, code: 'INVALID_API_KEY' },
  '413': { error: 'The file exceeds the maximum size of 10 MB.', status_code: 413, code: 'IMAGE_TOO_LARGE' },
  '429': { detail: 'Rate limit of 60 images per window exceeded; retry in 12 s.', status_code: 429, code: 'RATE_LIMIT_EXCEEDED' },
};

/** What differs from their service, said once (the docs page lists it, the OpenAPI description too). */
export const PLATE_READER_DIFFERENCES = [
  'Authenticate with one of your NPR API keys: `Authorization: Token <key>` as their clients send it (or `Bearer <key>`).',
  'Success is `201 Created`, as theirs; a photo without a plate is `201` with an empty `results` list.',
  'A bad or missing key is `403` with `{"detail": ...}`; over the rate limit `429` with `{"detail": ...}` and `Retry-After`; a refused file `400` or `413` with `{"error": ...}`. Every error body also has `status_code` and our error `code`.',
  '`region.score` is `null`: the reader does not give a separate region confidence.',
  '`vehicle.score` and `vehicle.box` are `null`: there is no vehicle detector. `vehicle.type` comes from the vehicle registry (UK plates), in their words where one fits (`Van`, `Bus`, `Motorcycle`, `Big Truck`), otherwise `null`.',
  '`mmc=true` is accepted, but make, model, colour and orientation are not read from the pixels, so they are not in the answer (the vehicle data of our own `/api/v1/recognise` has the registry\'s make and colour).',
  '`config`: `region: "strict"`, `threshold_d` and `threshold_o` are applied; `mode`, `detection_rule`, `detection_mode` and the rest are accepted and ignored.',
  '`regions` takes their codes (`gb`, `fr`, `us-ca`); a state code hints its country\'s formats. `timestamp` (ISO 8601, UTC without an offset) and `camera_id` are echoed.',
  '`upload_url` is fetched only from public addresses (the operator may allow private hosts); redirects are followed to public addresses only.',
  'If the server takes longer than its bound, the answer is `202` with a `job_id` and the URL of our job to poll (`GET /api/v1/jobs/{id}`).',
];

export const plateReaderCurl = (origin: string) => `curl -X POST ${origin}${PLATE_READER_PATH} \\
  -H "Authorization: Token YOUR_API_KEY" \\
  -F "upload=@car.jpg" \\
  -F "regions=gb"`;

export const plateReaderPython = (origin: string) => `import requests

with open("car.jpg", "rb") as image:
    response = requests.post(
        "${origin}${PLATE_READER_PATH}",
        data={"regions": ["gb"], "camera_id": "gate-2"},
        files={"upload": image},
        headers={"Authorization": "Token YOUR_API_KEY"},
    )
response.raise_for_status()
for result in response.json()["results"]:
    print(result["plate"], result["score"])`;

export const plateReaderJavaScript = (origin: string) => `import { readFile } from "node:fs/promises";

const form = new FormData();
form.append("upload", new Blob([await readFile("car.jpg")]), "car.jpg");
form.append("regions", "gb");
const response = await fetch("${origin}${PLATE_READER_PATH}", {
  method: "POST",
  headers: { Authorization: "Token YOUR_API_KEY" },
  body: form,
});
if (!response.ok) throw new Error(\`HTTP \${response.status}\`);
const { results } = await response.json();
for (const result of results) console.log(result.plate, result.score);`;
