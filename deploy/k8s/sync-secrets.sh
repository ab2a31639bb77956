#!/usr/bin/env bash
# Write the platform's Secrets into the cluster from AWS Secrets Manager (they are never in git).
#   bash deploy/k8s/sync-secrets.sh PREFIX [NAMESPACE]
# Each Secret is one Secrets Manager secret named PREFIX/<secret>, a JSON object of its keys:
#   marketplace-database url, products-read-url    postgresql:// URLs (hosts products-db, products-db-replica)
#   marketplace-broker url                          amqp:// URL (Redis broker: also address, password)
#   marketplace-internal secret                     router <-> subgraph secret (openssl rand -base64 48)
#   marketplace-users-signing-keys keys             Ed25519 PEM private keys, newest first
# Rotating: put the new value in Secrets Manager, run this, then `kubectl rollout restart` the readers.
set -euo pipefail
prefix=${1:?usage: sync-secrets.sh PREFIX [NAMESPACE]}
namespace=${2:-marketplace}
for secret in marketplace-database marketplace-broker marketplace-internal marketplace-users-signing-keys; do
  value=$(aws secretsmanager get-secret-value --secret-id "$prefix/$secret" --query SecretString --output text)
  args=()
  while IFS= read -r key; do
    args+=("--from-literal=$key=$(jq -r --arg k "$key" '.[$k]' <<<"$value")")
  done < <(jq -r 'keys[]' <<<"$value")
  kubectl create secret generic "$secret" -n "$namespace" "${args[@]}" --dry-run=client -o yaml \
    | kubectl apply -f - >/dev/null
  echo "secret $secret: ${#args[@]} key(s)"
done
