// The hostile corpus of `pnpm chaos`: malformed and hostile uploads and raw HTTP requests,
// generated from one real photo with a seeded generator (the same corpus on every run).
import zlib from 'node:zlib';
import sharp from 'sharp';

export type HostileInput = {
  name: string;
  /** A request through fetch: body and extra headers (path defaults to async recognise). */
  body?: FormData | Buffer | string;
  headers?: Record<string, string>;
  path?: string;
  /** Or raw bytes written to the socket as they are. */
  raw?: Buffer;
};

function prng(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const form = (parts: [string, Buffer | string][]) => {
  const f = new FormData();
  for (const [name, value] of parts) typeof value === 'string' ? f.append(name, value) : f.append(name, new Blob([value]), 'x.jpg');
  return f;
};

/** `count` inputs, cycling through the kinds below with random cut points, flips and sizes. */
export async function buildHostileCorpus(count: number, photo: Buffer): Promise<HostileInput[]> {
  const rand = prng(16);
  const int = (n: number) => Math.floor(rand() * n);
  const jpeg = await sharp(photo).resize(640, 480, { fit: 'fill' }).jpeg().toBuffer();
  const png = await sharp(jpeg).png().toBuffer();
  const webp = await sharp(jpeg).webp().toBuffer();
  const progressive = await sharp(jpeg).jpeg({ progressive: true }).toBuffer();
  const images = [jpeg, png, webp, progressive];
  const small = (w: number, h: number) => sharp({ create: { width: w, height: h, channels: 3, background: '#777' } }).jpeg().toBuffer();
  const edges = await Promise.all([small(319, 240), small(320, 239), small(320, 240), small(1, 1), small(240, 319)]);
  // a PNG declaring 30000 x 30000 pixels (900 MP) in a few kilobytes: a small one with its header rewritten
  const bomb = Buffer.from(await sharp(edges[2]!).png().toBuffer());
  bomb.writeUInt32BE(30_000, 16);
  bomb.writeUInt32BE(30_000, 20);
  bomb.writeUInt32BE(zlib.crc32(bomb.subarray(12, 29)), 29);
  // a JPEG whose frame header claims 65500 x 65500
  const hugeJpeg = Buffer.from(jpeg);
  const sof = hugeJpeg.indexOf(Buffer.from([0xff, 0xc0]));
  if (sof > 0) hugeJpeg.writeUInt16BE(65_500, sof + 5), hugeJpeg.writeUInt16BE(65_500, sof + 7);
  const magic = [Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.from('RIFF\0\0\0\0WEBPVP8 ', 'latin1'), Buffer.from('GIF89a')];
  const randomBytes = (n: number) => Buffer.from(Array.from({ length: n }, () => int(256)));

  const kinds: ((i: number) => HostileInput)[] = [
    (i) => {
      const img = images[i % images.length]!;
      const cut = 1 + int(img.length - 1);
      return { name: `truncated-${cut}`, body: form([['upload', img.subarray(0, cut)]]) };
    },
    (i) => {
      const img = Buffer.from(images[i % images.length]!);
      for (let k = 0, n = 1 + int(20); k < n; k++) img[int(img.length)] ^= 1 << int(8);
      return { name: 'bit-flipped', body: form([['upload', img]]) };
    },
    (i) => ({ name: 'magic+random', body: form([['upload', Buffer.concat([magic[i % magic.length]!, randomBytes(16 + int(4000))])]]) }),
    (i) => ({ name: 'edge-size', body: form([['upload', edges[i % edges.length]!]]) }),
    () => ({ name: 'pixel-bomb-png', body: form([['upload', bomb]]) }),
    () => ({ name: 'huge-dimension-jpeg', body: form([['upload', hugeJpeg]]) }),
    () => ({ name: 'polyglot-jpeg+zip', body: form([['upload', Buffer.concat([jpeg, Buffer.from('PK\x03\x04'), randomBytes(200)])]]) }),
    () => ({ name: 'polyglot-html-behind-magic', body: form([['upload', Buffer.concat([magic[0]!, Buffer.from('<html><script>alert(1)</script></html>')])]]) }),
    () => ({ name: 'empty-file', body: form([['upload', Buffer.alloc(0)]]) }),
    () => ({ name: 'over-10MB', body: form([['upload', Buffer.concat([jpeg, Buffer.alloc(10 * 1024 * 1024 + 1 - jpeg.length)])]]) }),
    () => ({ name: 'wrong-field', body: form([['image', jpeg]]) }),
    () => ({ name: 'extra-field', body: form([['upload', jpeg], ['colour', 'red']]) }),
    () => ({ name: 'two-uploads', body: form([['upload', jpeg], ['upload', jpeg]]) }),
    (i) => ({ name: 'bad-options', body: form([['upload', jpeg], ...([['top_n', ['0', '11', 'abc', '-1', '1e9'][i % 5]!]] as [string, string][])]) }),
    () => ({ name: 'many-regions', body: form([['upload', jpeg], ['regions', Array.from({ length: 2000 }, () => 'gb').join(',')]]) }),
    () => ({ name: 'json-body', body: JSON.stringify({ upload: 'x' }), headers: { 'Content-Type': 'application/json' } }),
    () => ({ name: 'urlencoded-body', body: 'upload=abc', headers: { 'Content-Type': 'application/x-www-form-urlencoded' } }),
    () => ({ name: 'multipart-no-boundary', body: Buffer.from('--x\r\n\r\n'), headers: { 'Content-Type': 'multipart/form-data' } }),
    () => ({ name: 'multipart-garbage', body: randomBytes(2000), headers: { 'Content-Type': 'multipart/form-data; boundary=zzz' } }),
    () => ({
      name: 'multipart-unterminated',
      body: Buffer.concat([Buffer.from('--b\r\nContent-Disposition: form-data; name="upload"; filename="a.jpg"\r\n\r\n'), jpeg.subarray(0, 5000)]),
      headers: { 'Content-Type': 'multipart/form-data; boundary=b' },
    }),
    () => ({ name: 'batch-21-files', path: '/api/v1/batch?async=true', body: form(Array.from({ length: 21 }, () => ['images[]', edges[2]!] as [string, Buffer])) }),
    () => ({ name: 'batch-empty', path: '/api/v1/batch', body: form([['note', 'x']]) }),
    () => ({ name: 'batch-mixed', path: '/api/v1/batch?async=true', body: form([['images[]', jpeg], ['images[]', randomBytes(100)], ['images[]', bomb]]) }),
    (i) => ({ name: 'bad-key', body: form([['upload', jpeg]]), headers: { Authorization: ["Bearer npr_live_' OR 1=1 --", 'Bearer ' + 'a'.repeat(8000), 'Basic Zm9vOmJhcg==', 'Bearer npr_live_0000000000000000000000000000000000000000'][i % 4]! } }),
    (i) => ({ name: 'bad-job-id', path: ['/api/v1/jobs/..%2f..%2fetc', '/api/v1/jobs/' + 'f'.repeat(36), '/api/v1/jobs/%00'][i % 3]!, body: undefined, headers: {} }),
    () => ({ name: 'raw-100KB-header', raw: Buffer.from(`GET /api/v1/jobs/x HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: ${'a'.repeat(100 * 1024)}\r\n\r\n`) }),
    () => ({ name: 'raw-malformed-request-line', raw: Buffer.from('GARBAGE\r\n\r\n') }),
    () => ({ name: 'raw-bad-header', raw: Buffer.from('GET / HTTP/1.1\r\nHost 127.0.0.1\r\n\r\n') }),
    () => ({ name: 'raw-bad-chunked', raw: Buffer.from('POST /api/v1/recognise HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n0\r\n\r\n') }),
    () => ({ name: 'raw-both-lengths', raw: Buffer.from('POST /api/v1/recognise HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n') }),
    () => ({ name: 'raw-null-bytes', raw: Buffer.from('GET /\0\0 HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n') }),
  ];
  return Array.from({ length: count }, (_, i) => {
    const input = kinds[i % kinds.length]!(Math.floor(i / kinds.length));
    // GETs carry no body
    return input.name === 'bad-job-id' ? { ...input, body: undefined } : input;
  });
}
