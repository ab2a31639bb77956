// Copies the browser bundles (prebuilt, no bundler needed) from node_modules into dist/, which the
// router serves: GraphiQL and React at /graphiql/assets/, Swagger UI (the /docs page) at /docs/assets/.
// Run after `npm ci --ignore-scripts` in this folder.
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const dist = join(here, "dist");
// target in dist/ -> source in node_modules/
const files = {
  "react.production.min.js": "react/umd/react.production.min.js",
  "react-dom.production.min.js": "react-dom/umd/react-dom.production.min.js",
  "graphiql.min.js": "graphiql/graphiql.min.js",
  "graphiql.min.css": "graphiql/graphiql.min.css",
  "swagger-ui/swagger-ui-bundle.js": "swagger-ui-dist/swagger-ui-bundle.js",
  "swagger-ui/swagger-ui.css": "swagger-ui-dist/swagger-ui.css",
  "swagger-ui/favicon-32x32.png": "swagger-ui-dist/favicon-32x32.png",
};

mkdirSync(join(dist, "swagger-ui"), { recursive: true });
const versions = {};
for (const [target, source] of Object.entries(files)) {
  copyFileSync(join(here, "node_modules", source), join(dist, target));
  const pkg = source.split("/")[0];
  versions[pkg] = JSON.parse(readFileSync(join(here, "node_modules", pkg, "package.json"), "utf8")).version;
}
writeFileSync(join(dist, "manifest.json"), JSON.stringify({ files: Object.keys(files), versions }, null, 2) + "\n");
console.log(`browser assets written to ${dist}: ${JSON.stringify(versions)}`);
