// Trims a `pnpm deploy --prod` folder to what the service runs, for the runtime image:
//   node infra/docker/prune-runtime.mjs /out [--not-run PACKAGE]...
// - keeps only the packages reachable from the service's package.json through dependencies,
//   optional and (installed) peer dependencies, minus tools nothing runs: the Prisma CLI (a dependency
//   of @npr/db for `prisma generate` at install, with Prisma Studio and its own PGlite), TypeScript
//   (a peer of Prisma's packages; services run through tsx/esbuild) and type definitions;
//   --not-run names more packages the service depends on but never loads (for example through type
//   imports only, which tsx erases); a wrong one fails the service's start, which
//   `pnpm test:containers` checks;
// - drops tests (test/ folders, *.test.ts) from the service and the workspace packages;
// - drops onnxruntime-node's binaries for other systems and Prisma's query compilers for other databases
//   (the generated client loads the PostgreSQL one; PGlite speaks PostgreSQL too).
// Prints what it removed and the folder's size before and after.
import fs from 'node:fs';
import path from 'node:path';

const out = path.resolve(process.argv[2] ?? '');
const notRunArgs = process.argv.slice(3).flatMap((a, i, all) => (all[i - 1] === '--not-run' ? [a] : []));
if (!fs.existsSync(path.join(out, 'package.json'))) {
  console.error(`prune-runtime: ${out} has no package.json (give the pnpm deploy folder)`);
  process.exit(2);
}
const NOT_RUN = [/^prisma$/, /^typescript$/, /^@types\//, /^@prisma\/studio-core$/, /^@prisma\/dev$/, ...notRunArgs.map((n) => new RegExp(`^${n.replace(/[/.]/g, '\\$&')}$`))];
const store = path.join(out, 'node_modules', '.pnpm');

const sizeOf = (p) => {
  const st = fs.lstatSync(p);
  if (!st.isDirectory()) return st.size;
  return fs.readdirSync(p).reduce((n, e) => n + sizeOf(path.join(p, e)), 0);
};
const mb = (n) => `${(n / 1e6).toFixed(1)} MB`;
const before = sizeOf(out);
const removed = [];
const remove = (p) => {
  if (!fs.existsSync(p)) return;
  removed.push(path.relative(out, p));
  fs.rmSync(p, { recursive: true, force: true });
};

// 1. packages reachable from the service, resolved as Node does (node_modules beside or above)
function resolveFrom(dir, name) {
  for (let d = dir; ; d = path.dirname(d)) {
    const candidate = path.join(d, 'node_modules', name);
    if (fs.existsSync(path.join(candidate, 'package.json'))) return fs.realpathSync(candidate);
    if (d === path.dirname(d) || d === path.dirname(out)) return undefined;
  }
}
const reached = new Set();
const visit = (dir) => {
  if (reached.has(dir)) return;
  reached.add(dir);
  const pkg = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8'));
  const names = [pkg.dependencies, pkg.optionalDependencies, pkg.peerDependencies].flatMap((d) => Object.keys(d ?? {}));
  for (const name of names) {
    if (NOT_RUN.some((re) => re.test(name))) continue;
    const found = resolveFrom(dir, name);
    if (found) visit(found);
  }
};
visit(out);
// every package folder in pnpm's virtual store: .pnpm/<entry>/node_modules/<name>
if (fs.existsSync(store)) {
  for (const entry of fs.readdirSync(store)) {
    const nm = path.join(store, entry, 'node_modules');
    if (!fs.statSync(path.join(store, entry)).isDirectory() || !fs.existsSync(nm)) continue;
    const own = fs.readdirSync(nm).flatMap((n) => (n.startsWith('@') ? fs.readdirSync(path.join(nm, n)).map((m) => `${n}/${m}`) : [n]));
    const used = own.some((n) => {
      const p = path.join(nm, n);
      return fs.lstatSync(p).isDirectory() && !fs.lstatSync(p).isSymbolicLink() && reached.has(fs.realpathSync(p));
    });
    if (!used) remove(path.join(store, entry));
  }
}

// 2. tests of the service and of the workspace packages copied in
const dropTests = (dir) => {
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory() && !e.isSymbolicLink()) {
      if (e.name === 'test' || e.name === '__tests__') remove(p);
      else if (e.name !== 'node_modules') dropTests(p);
    } else if (/\.test\.[cm]?[jt]s$/.test(e.name)) remove(p);
  }
};
dropTests(out);
const workspace = path.join(out, 'node_modules', '@npr');
if (fs.existsSync(workspace)) for (const w of fs.readdirSync(workspace)) dropTests(fs.realpathSync(path.join(workspace, w)));

// 3. native binaries and query compilers this image never loads
const arch = { x64: 'x64', arm64: 'arm64' }[process.arch];
for (const dir of reached) {
  const name = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')).name;
  if (name === 'onnxruntime-node') {
    for (const napi of fs.readdirSync(path.join(dir, 'bin'))) {
      const bin = path.join(dir, 'bin', napi);
      for (const os of fs.readdirSync(bin)) {
        if (os !== 'linux') remove(path.join(bin, os));
        else for (const a of fs.readdirSync(path.join(bin, os))) if (a !== arch) remove(path.join(bin, os, a));
      }
    }
  }
  if (name === '@prisma/client') {
    const runtime = path.join(dir, 'runtime');
    for (const f of fs.readdirSync(runtime)) if (/^query_compiler_/.test(f) && !/\.postgresql\./.test(f)) remove(path.join(runtime, f));
  }
}

const after = sizeOf(out);
console.log(`prune-runtime: removed ${removed.length} paths, ${mb(before)} -> ${mb(after)}`);
for (const r of removed.filter((p) => p.split(path.sep).length <= 3)) console.log(`  - ${r}`);
