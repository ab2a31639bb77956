// Apollo's query planner as a long-running process, for tests that run our executor on Apollo's
// plans (separating executor bugs from planner bugs).
// argv[2]: path of a supergraph SDL file. stdin: one JSON {"query", "operationName"} per line.
// stdout: one JSON line per request: {"plan": <Apollo's QueryPlan>} or {"error": "..."}.
import { readFileSync } from "node:fs";
import { createInterface } from "node:readline";
import { Supergraph, operationFromDocument } from "@apollo/federation-internals";
import { QueryPlanner } from "@apollo/query-planner";
import { parse } from "graphql";

const supergraph = Supergraph.build(readFileSync(process.argv[2], "utf8"));
const planner = new QueryPlanner(supergraph);
const dropAst = (key, value) => (key === "operationDocumentNode" ? undefined : value);

for await (const line of createInterface({ input: process.stdin })) {
  try {
    const request = JSON.parse(line);
    const operation = operationFromDocument(supergraph.schema, parse(request.query), {
      operationName: request.operationName ?? undefined,
    });
    const plan = planner.buildQueryPlan(operation);
    process.stdout.write(JSON.stringify({ plan }, dropAst) + "\n");
  } catch (error) {
    process.stdout.write(JSON.stringify({ error: String(error && error.stack || error) }) + "\n");
  }
}
