#!/usr/bin/env bash
# Spec checks on openapi/openapi.json as its clients meet it: the Redocly lint (recommended
# ruleset, see redocly.yaml; any error fails), then a strict TypeScript client (client.ts) compiled
# against the types openapi-typescript generates from the spec, so a call the spec stops allowing,
# or a PATCH that compiles without the If-Match the server demands, fails the run.
# Run from anywhere: openapi/checks/run.sh (or `make spec-check`). Needs Node.js 20.19+ and npm;
# the tools come from package-lock.json, through npm's cache when it has them (works offline then).
set -euo pipefail
cd "$(dirname "$0")"

if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
    echo "spec checks need Node.js 20.19 or later and npm; neither was found." >&2
    exit 1
fi
if ! node -e 'const [a, b] = process.versions.node.split(".").map(Number); process.exit(a > 20 || (a === 20 && b >= 19) ? 0 : 1)'; then
    echo "spec checks need Node.js 20.19 or later; this is $(node --version)." >&2
    exit 1
fi

# Redocly CLI would otherwise report usage to Redocly and look for newer versions.
export REDOCLY_TELEMETRY=off REDOCLY_SUPPRESS_UPDATE_NOTICE=true
export NO_UPDATE_NOTIFIER=1 npm_config_update_notifier=false

echo "-- npm ci (the versions pinned in package-lock.json)"
npm ci --no-audit --no-fund --prefer-offline --loglevel=error

echo "-- Redocly lint of openapi/openapi.json"
node_modules/.bin/redocly lint --config redocly.yaml ../openapi.json 2>&1

echo "-- openapi-typescript: generated/schema.d.ts"
mkdir -p generated
# Run from generated/, so it does not pick up ./redocly.yaml and lint the spec a second time
# with its own, older Redocly core. Request fields with a default stay optional, as the server
# treats them (by default openapi-typescript would make them required).
(cd generated && ../node_modules/.bin/openapi-typescript ../../openapi.json \
    --output schema.d.ts --default-non-nullable false)

echo "-- tsc --strict: client.ts against the generated types"
node_modules/.bin/tsc --project tsconfig.json --strict --noEmit
echo "client.ts compiles against openapi/openapi.json; the PATCH without If-Match is refused."
