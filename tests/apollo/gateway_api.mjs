// Load supergraph SDLs into Apollo Gateway (no subgraph is called) and print each API schema, sorted.
// stdin: JSON {"name": "<supergraph SDL>", ...}.
// stdout: JSON {"name": {"apiSchema": "..."} | {"error": "..."}, ...}; exit 0 either way.
import { readFileSync } from "node:fs";
import { ApolloGateway } from "@apollo/gateway";
import { lexicographicSortSchema, printSchema } from "graphql";

async function load(supergraphSdl) {
  const gateway = new ApolloGateway({ supergraphSdl });
  try {
    const { schema } = await gateway.load();
    return { apiSchema: printSchema(lexicographicSortSchema(schema)) };
  } catch (err) {
    return { error: String(err?.message ?? err) };
  } finally {
    await gateway.stop().catch(() => {});
  }
}

const input = JSON.parse(readFileSync(0, "utf8"));
const output = {};
for (const [name, sdl] of Object.entries(input)) output[name] = await load(sdl);
process.stdout.write(JSON.stringify(output));
