// azd's entry point: creates the resource group and deploys main.json into it. All resources live in
// main.json (ARM JSON, checked by test/deploy/infra.test.ts); this wrapper only adds what azd expects:
// subscription scope, a resource group tagged azd-env-name, and outputs azd stores in .azure/<env>/.env.
// test/deploy/infra.test.ts fails if a parameter or output of main.json is not passed through here.
targetScope = 'subscription'

@minLength(1)
@maxLength(64)
@description('azd environment name; names the resource group and tags every resource.')
param environmentName string

@minLength(1)
@description('Region of every resource; it must offer the Flex Consumption plan.')
param location string

@description('Resource group name; empty means rg-<environmentName>.')
param resourceGroupName string = ''

@secure()
@minLength(16)
@description('MANAGEMENT_KEYS: comma-separated, each at least 16 characters.')
param managementKeys string

@secure()
@minLength(16)
@description('INGEST_KEYS: comma-separated, each at least 16 characters.')
param ingestKeys string

@description('Create an Event Grid topic for the mirror.')
param deployEventGridTopic bool = false

@description('EVENTGRID_SCHEMA: the schema the mirror publishes in (the topic is created with the matching input schema).')
@allowed(['EventGrid', 'CloudEvent'])
param eventGridSchema string = 'EventGrid'

@description('Flex Consumption scale-out limit: 40 (the lowest maximum the plan accepts) to 1000 instances.')
@minValue(40)
@maxValue(1000)
param maximumInstanceCount int = 40

@allowed([512, 2048, 4096])
param instanceMemoryMB int = 2048

// Entra ID tokens on the API (README: "Who may touch which registry"). Empty, the app takes keys only: an
// empty app setting is an unset one to the app, so they stay in the template either way.
@description('ENTRA_TENANTS: tenant ids (GUIDs), comma-separated, whose Entra ID tokens the API accepts; empty: keys only.')
param entraTenants string = ''

@description('ENTRA_AUDIENCES: the App ID URI and/or client id of the app registration tokens are issued for, comma-separated.')
param entraAudiences string = ''

@description('ENTRA_AUTHORITY: the token issuer; empty: https://login.microsoftonline.com.')
param entraAuthority string = ''

var tags = { 'azd-env-name': environmentName }

resource rg 'Microsoft.Resources/resourceGroups@2022-09-01' = {
  name: empty(resourceGroupName) ? 'rg-${environmentName}' : resourceGroupName
  location: location
  tags: tags
}

module app 'main.json' = {
  name: 'registry-webhooks'
  scope: rg
  params: {
    location: location
    resourceToken: toLower(uniqueString(subscription().id, environmentName, location))
    tags: tags
    managementKeys: managementKeys
    ingestKeys: ingestKeys
    deployEventGridTopic: deployEventGridTopic
    eventGridSchema: eventGridSchema
    maximumInstanceCount: maximumInstanceCount
    instanceMemoryMB: instanceMemoryMB
    entraTenants: entraTenants
    entraAudiences: entraAudiences
    entraAuthority: entraAuthority
  }
}

output AZURE_LOCATION string = location
output AZURE_TENANT_ID string = tenant().tenantId
output AZURE_RESOURCE_GROUP string = rg.name
output AZURE_FUNCTION_APP_NAME string = app.outputs.AZURE_FUNCTION_APP_NAME
output SERVICE_API_URI string = app.outputs.SERVICE_API_URI
output MANAGEMENT_URL string = app.outputs.MANAGEMENT_URL
output INGEST_URL string = app.outputs.INGEST_URL
output AZURE_STORAGE_ACCOUNT_NAME string = app.outputs.AZURE_STORAGE_ACCOUNT_NAME
output AZURE_KEY_VAULT_NAME string = app.outputs.AZURE_KEY_VAULT_NAME
output EVENTGRID_TOPIC_ENDPOINT string = app.outputs.EVENTGRID_TOPIC_ENDPOINT
