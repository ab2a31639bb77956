#!/usr/bin/env bash
# Smoke-test a deployed platform through its public endpoint (the deploy job runs it after a rollout,
# and again after a rollback):  bash deploy/k8s/smoke.sh https://api.example.com
# Checks that the routers are ready, a GraphQL query crossing the products subgraph answers without
# errors, and the REST shim and its OpenAPI document answer.
set -euo pipefail
base=${1:?usage: smoke.sh PUBLIC_URL}
base=${base%/}
try() { curl -fsS --retry 5 --retry-delay 3 --retry-all-errors -m 10 "$@"; }
try "$base/ready" >/dev/null
answer=$(try -H 'Content-Type: application/json' \
  -d '{"query":"{ products(limit: 1) { totalCount items { id name } } }"}' "$base/graphql")
jq -e '.errors == null and .data.products.totalCount >= 0' <<<"$answer" >/dev/null \
  || { echo "GraphQL smoke query failed: $answer"; exit 1; }
try "$base/products?limit=1" | jq -e '.items | type == "array"' >/dev/null
try "$base/openapi.json" | jq -e '.openapi' >/dev/null
echo "smoke test passed: $base"
