// Bundles src/editor.js (CodeMirror 6 from the exact versions in package-lock.json) into the judge's own
// static folder, so the candidate page loads no script from anywhere else. Deterministic: the same lock
// file gives the same bytes (no source map, no paths, no dates).
//   npm ci && node build.mjs            write ../../judge/interfaces/server/static/editor.js
//   npm ci && node build.mjs --check    exit 1 unless the committed file is exactly what this builds
//   --target PATH                       another file than the committed one (tests build in a copy)
import { readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const here = dirname(fileURLToPath(import.meta.url));
const named = process.argv.indexOf("--target");
const target = named > 0 ? process.argv[named + 1]
  : join(here, "..", "..", "judge", "interfaces", "server", "static", "editor.js");
const lock = JSON.parse(readFileSync(join(here, "package-lock.json"), "utf8"));

// What is inside, with each package's licence (all MIT), from the lock file: the bundle says where it came from.
const bundled = Object.entries(lock.packages)
  .filter(([path]) => path.startsWith("node_modules/") && !path.includes("esbuild"))
  .map(([path, meta]) => `${path.slice("node_modules/".length)}@${meta.version} (${meta.license})`)
  .sort();
const banner = [
  "/* ml-judge's code editor: built by web/editor/build.mjs from web/editor/package-lock.json; do not edit.",
  " * Built from these packages (their licences):",
  ...bundled.map((line) => ` *   ${line}`),
  " */",
].join("\n");

const result = await build({
  entryPoints: [join(here, "src", "editor.js")],
  bundle: true,
  minify: true,
  format: "iife",
  target: ["es2020"],
  charset: "utf8",
  legalComments: "none",
  sourcemap: false,
  banner: { js: banner },
  write: false,
  logLevel: "warning",
});
const built = result.outputFiles[0].contents;

if (process.argv.includes("--check")) {
  let committed;
  try { committed = readFileSync(target); } catch { committed = Buffer.alloc(0); }
  if (!Buffer.from(built).equals(committed)) {
    console.error(`editor.js differs from what web/editor builds (${committed.length} bytes committed, ${built.length} built): ` +
                  "run `bash scripts/build_editor.sh` and commit judge/interfaces/server/static/editor.js");
    process.exit(1);
  }
  console.log(`editor.js is exactly what web/editor builds (${built.length} bytes)`);
} else {
  writeFileSync(target, built);
  console.log(`wrote ${target} (${built.length} bytes)`);
}
