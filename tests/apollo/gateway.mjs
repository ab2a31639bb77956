// Apollo Gateway as a reference router for the differential tests and the benchmark.
// argv[2]: path of a supergraph SDL file; argv[3]: port on 127.0.0.1.
// Forwards the client's Authorization header to every subgraph (as our router does) and prints
// "listening <url>" on stdout once it accepts requests.
import { readFileSync } from "node:fs";
import { ApolloServer } from "@apollo/server";
import { startStandaloneServer } from "@apollo/server/standalone";
import { ApolloGateway, RemoteGraphQLDataSource } from "@apollo/gateway";

class ForwardingDataSource extends RemoteGraphQLDataSource {
  willSendRequest({ request, context }) {
    if (context.authorization) request.http.headers.set("authorization", context.authorization);
  }
}

const gateway = new ApolloGateway({
  supergraphSdl: readFileSync(process.argv[2], "utf8"),
  buildService: ({ url }) => new ForwardingDataSource({ url }),
  logger: { debug() {}, info() {}, warn() {}, error: console.error },
});
const server = new ApolloServer({
  gateway,
  includeStacktraceInErrorResponses: false,
  csrfPrevention: false,
});
const { url } = await startStandaloneServer(server, {
  listen: { host: "127.0.0.1", port: Number(process.argv[3]) },
  context: async ({ req }) => ({ authorization: req.headers.authorization }),
});
process.stdout.write(`listening ${url}\n`);
