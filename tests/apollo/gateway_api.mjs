// Load a supergraph SDL into Apollo Gateway (no subgraph is called) and print its API schema, sorted.
// stdin: the supergraph SDL. stdout: JSON {"apiSchema": "..."} or {"error": "..."}; exit 0 either way.
import { readFileSync } from "node:fs";
import { ApolloGateway } from "@apollo/gateway";
import { lexicographicSortSchema, printSchema } from "graphql";

const supergraphSdl = readFileSync(0, "utf8");
try {
  const gateway = new ApolloGateway({ supergraphSdl });
  const { schema } = await gateway.load();
  process.stdout.write(JSON.stringify({ apiSchema: printSchema(lexicographicSortSchema(schema)) }));
  await gateway.stop();
} catch (err) {
  process.stdout.write(JSON.stringify({ error: String(err?.message ?? err) }));
}
