// Print Apollo's own query plans (a development and test oracle for our planner).
// Single: argv[2] = supergraph SDL file, stdin = operation text, argv[3] (optional) = operation name.
// Batch:  argv[2] = "--batch", stdin = JSON {"supergraph": SDL, "operations": [{"query", "operationName"}]};
//         stdout = JSON list, one {"plan": text} or {"error": message} per operation.
import { readFileSync } from "node:fs";
import { Supergraph, operationFromDocument } from "@apollo/federation-internals";
import { QueryPlanner, prettyFormatQueryPlan } from "@apollo/query-planner";
import { parse } from "graphql";

function planText(planner, supergraph, query, operationName) {
  const operation = operationFromDocument(supergraph.schema, parse(query), { operationName });
  return prettyFormatQueryPlan(planner.buildQueryPlan(operation));
}

if (process.argv[2] === "--batch") {
  const input = JSON.parse(readFileSync(0, "utf8"));
  const supergraph = Supergraph.build(input.supergraph);
  const planner = new QueryPlanner(supergraph);
  const out = input.operations.map((op) => {
    try {
      return { plan: planText(planner, supergraph, op.query, op.operationName ?? undefined) };
    } catch (e) {
      return { error: String(e && e.message ? e.message : e) };
    }
  });
  process.stdout.write(JSON.stringify(out));
} else {
  const supergraph = Supergraph.build(readFileSync(process.argv[2], "utf8"));
  const planner = new QueryPlanner(supergraph);
  process.stdout.write(planText(planner, supergraph, readFileSync(0, "utf8"), process.argv[3]) + "\n");
}
