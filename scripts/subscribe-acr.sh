#!/usr/bin/env bash
# Subscribes this service's ingest endpoint to an Azure Container Registry's events through Event Grid.
set -euo pipefail

usage() {
  cat <<'USAGE'
Usage: scripts/subscribe-acr.sh --registry NAME --app-url URL --ingest-key KEY [options]

Creates an Event Grid subscription on an Azure Container Registry that delivers its events
(ImagePushed, ImageDeleted, ChartPushed, ChartDeleted; Event Grid schema) to this service's
ingest endpoint: URL/api/registries/NAME/events?code=KEY. Event Grid's validation handshake
is answered by the ingest function. Needs the az CLI, signed in (az login).

Required:
  --registry NAME         the container registry's name (as in NAME.azurecr.io)
  --app-url URL           the function app's base URL, e.g. https://func-rw-abc.azurewebsites.net
                          (with azd: azd env get-value SERVICE_API_URI; a trailing /api is dropped)
  --ingest-key KEY        one of the INGEST_KEYS

Options:
  --registry-group RG     the registry's resource group (default: looked up with az acr show)
  --subscription ID       the registry's subscription (default: az's current subscription)
  --name NAME             the event subscription's name (default: registry-webhooks)
  --dry-run               print the az command instead of running it (the key is masked)
  -h, --help              show this help
USAGE
}

registry='' app_url='' ingest_key='' registry_group='' subscription='' sub_name='registry-webhooks' dry_run=0
while [ $# -gt 0 ]; do
  case "$1" in
    --registry) registry="${2:?--registry needs a value}"; shift 2 ;;
    --app-url) app_url="${2:?--app-url needs a value}"; shift 2 ;;
    --ingest-key) ingest_key="${2:?--ingest-key needs a value}"; shift 2 ;;
    --registry-group) registry_group="${2:?--registry-group needs a value}"; shift 2 ;;
    --subscription) subscription="${2:?--subscription needs a value}"; shift 2 ;;
    --name) sub_name="${2:?--name needs a value}"; shift 2 ;;
    --dry-run) dry_run=1; shift ;;
    -h | --help) usage; exit 0 ;;
    *) echo "unknown argument: $1" >&2; usage >&2; exit 2 ;;
  esac
done

missing=()
[ -n "$registry" ] || missing+=(--registry)
[ -n "$app_url" ] || missing+=(--app-url)
[ -n "$ingest_key" ] || missing+=(--ingest-key)
if [ ${#missing[@]} -gt 0 ]; then
  echo "missing: ${missing[*]}" >&2
  usage >&2
  exit 2
fi

app_url="${app_url%/}"
app_url="${app_url%/api}"
endpoint_base="${app_url}/api/registries/${registry}/events"
sub_args=()
[ -z "$subscription" ] || sub_args=(--subscription "$subscription")

if [ "$dry_run" -eq 1 ]; then
  registry_id="/subscriptions/<subscription>/resourceGroups/${registry_group:-<group>}/providers/Microsoft.ContainerRegistry/registries/${registry}"
else
  command -v az >/dev/null || { echo "the az CLI is required: https://learn.microsoft.com/cli/azure/install-azure-cli" >&2; exit 1; }
  group_args=()
  [ -z "$registry_group" ] || group_args=(--resource-group "$registry_group")
  registry_id="$(az acr show --name "$registry" "${group_args[@]}" "${sub_args[@]}" --query id --output tsv)"
fi

cmd=(az eventgrid event-subscription create
  --name "$sub_name"
  --source-resource-id "$registry_id"
  --endpoint-type webhook
  --endpoint "${endpoint_base}?code=${ingest_key}"
  --event-delivery-schema eventgridschema
  --included-event-types Microsoft.ContainerRegistry.ImagePushed Microsoft.ContainerRegistry.ImageDeleted
  Microsoft.ContainerRegistry.ChartPushed Microsoft.ContainerRegistry.ChartDeleted
  "${sub_args[@]}")

if [ "$dry_run" -eq 1 ]; then
  printf '%q ' "${cmd[@]}" | sed "s/code=[^ ']*/code=***/"
  echo
  exit 0
fi

echo "subscribing ${endpoint_base} to ${registry}'s events..."
"${cmd[@]}" --output none
echo "done: push an image to ${registry}.azurecr.io and list the webhook's events."
