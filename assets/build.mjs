// Compiles Safeguard's stylesheet from GOV.UK Frontend (installed by npm ci at a pinned version) and
// copies the Frontend's JavaScript beside it. Output goes to build/static/safeguard, which Django's
// collectstatic picks up. No fonts and no crown/crest images are copied.
import { mkdirSync, copyFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import * as sass from "sass";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const out = join(root, "build", "static", "safeguard");
mkdirSync(out, { recursive: true });

const result = sass.compile(join(root, "assets", "scss", "app.scss"), {
  style: "compressed",
  importers: [new sass.NodePackageImporter(root)],
  quietDeps: true,
});
writeFileSync(join(out, "app.css"), result.css);

const frontend = join(root, "node_modules", "govuk-frontend", "dist", "govuk");
copyFileSync(join(frontend, "govuk-frontend.min.js"), join(out, "govuk-frontend.min.js"));
copyFileSync(join(root, "assets", "js", "init.js"), join(out, "init.js"));
console.log(`Built ${out}`);
