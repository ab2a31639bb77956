// Print Apollo's own query plan for an operation (a development and test oracle for our planner).
// argv[2]: path of a supergraph SDL file; stdin: the operation text; argv[3] (optional): operation name.
import { readFileSync } from "node:fs";
import { Supergraph, operationFromDocument } from "@apollo/federation-internals";
import { QueryPlanner, prettyFormatQueryPlan } from "@apollo/query-planner";
import { parse } from "graphql";

const supergraph = Supergraph.build(readFileSync(process.argv[2], "utf8"));
const document = parse(readFileSync(0, "utf8"));
const operation = operationFromDocument(supergraph.schema, document, { operationName: process.argv[3] });
const planner = new QueryPlanner(supergraph);
process.stdout.write(prettyFormatQueryPlan(planner.buildQueryPlan(operation)) + "\n");
