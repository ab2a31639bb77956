// Apollo's composition as a reference oracle for router/compose tests.
// stdin: JSON [{"name": "...", "url": "...", "sdl": "..."}]  (one subgraph set)
//    or: {"batch": {"caseName": [{"name", "url", "sdl"}, ...], ...}}  (several sets in one process)
// stdout: per set, {"supergraphSdl": "...", "apiSchema": "..."} on success, or
//         {"errors": [{"code": "...", "message": "..."}]} when composition fails; for a batch, an object
//         keyed by case name. Exit code 0 either way; 2 when the script itself fails.
import { readFileSync } from "node:fs";
import { composeServices } from "@apollo/composition";
import { parse, printSchema } from "graphql";

function composeOne(subgraphs) {
  try {
    const services = subgraphs.map((s) => ({ name: s.name, url: s.url, typeDefs: parse(s.sdl) }));
    const result = composeServices(services);
    if (result.errors && result.errors.length > 0) {
      return { errors: result.errors.map((e) => ({ code: e.extensions?.code ?? null, message: e.message })) };
    }
    const apiSchema = printSchema(result.schema.toAPISchema().toGraphQLJSSchema());
    return { supergraphSdl: result.supergraphSdl, apiSchema };
  } catch (err) {
    return { errors: [{ code: "SCRIPT_ERROR", message: String(err?.message ?? err) }] };
  }
}

try {
  const input = JSON.parse(readFileSync(0, "utf8"));
  let output;
  if (Array.isArray(input)) {
    output = composeOne(input);
  } else {
    output = {};
    for (const [name, subgraphs] of Object.entries(input.batch)) output[name] = composeOne(subgraphs);
  }
  process.stdout.write(JSON.stringify(output));
} catch (err) {
  process.stderr.write(`${err?.stack ?? err}\n`);
  process.exit(2);
}
