// Compose subgraph SDLs with Apollo's own composition (the reference implementation).
// stdin: JSON [{"name": "...", "url": "...", "sdl": "..."}]; stdout: the supergraph SDL.
// On composition errors: exit code 1 and one error message per line on stderr.
import { readFileSync } from "node:fs";
import { composeServices } from "@apollo/composition";
import { parse } from "graphql";

const input = JSON.parse(readFileSync(0, "utf8"));
const services = input.map((s) => ({ name: s.name, url: s.url, typeDefs: parse(s.sdl) }));
const result = composeServices(services);
if (result.errors && result.errors.length > 0) {
  for (const e of result.errors) process.stderr.write(`${e.message}\n`);
  process.exit(1);
}
process.stdout.write(result.supergraphSdl);
