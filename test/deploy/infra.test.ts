import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { Setting } from '../../shared/constants.js';
import { loadConfig } from '../../shared/config.js';
import { webhookRoutes } from '../../shared/webhooks/routes.js';
import { asArray, asObject, readJson, readText, root } from './helpers.js';

/*
 * No Bicep compiler or Azure account here, so the template is checked as data: what it creates, the app
 * settings it sets against what `loadConfig` reads, the identity-based storage connection, the role
 * assignments, the Flex Consumption plan and the outputs. A renamed setting or a lost role fails here.
 */
const template = asObject(readJson('infra/main.json'), 'infra/main.json');
const resources = asArray(template['resources'], 'resources').map((r, i) => asObject(r, `resources[${i}]`));
const ofType = (type: string) => resources.filter((r) => r['type'] === type);
const one = (type: string) => {
  const found = ofType(type);
  expect(found, type).toHaveLength(1);
  return found[0] as Record<string, unknown>;
};
const site = one('Microsoft.Web/sites');
const siteProps = asObject(site['properties'], 'site.properties');
const appSettings = asArray(asObject(siteProps['siteConfig'], 'siteConfig')['appSettings'], 'appSettings').map((s) => {
  const o = asObject(s, 'appSetting');
  return { name: String(o['name']), value: String(o['value']) };
});
const settingNames = appSettings.map((s) => s.name);

/** The storage settings `loadConfig` and the Functions host read for an identity-based connection. */
const STORAGE_IDENTITY_SETTINGS = ['accountName', 'credential', 'clientId'].map((s) => `${Setting.storage}__${s}`);
/** Read by the Functions host itself, not by loadConfig. */
const PLATFORM_SETTINGS = ['APPLICATIONINSIGHTS_CONNECTION_STRING', 'APPLICATIONINSIGHTS_AUTHENTICATION_STRING'];

const ROLE = {
  storageBlobDataOwner: 'b7e6dc6d-f1e8-4753-8033-0f276bb0955b',
  storageQueueDataContributor: '974c5e8b-45b9-4653-ba55-5f855dd0fb88',
  storageTableDataContributor: '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3',
  keyVaultSecretsUser: '4633458b-17de-408a-b874-0445c86b69e6',
  eventGridDataSender: 'd5a91429-5739-47e2-a06b-3470a27159e7',
  monitoringMetricsPublisher: '3913510d-42f4-4e42-8a64-420c390055eb',
} as const;

/** The identity's client id, as the template reads it. */
const IDENTITY_CLIENT_ID =
  "reference(resourceId('Microsoft.ManagedIdentity/userAssignedIdentities', variables('identityName')), '2023-01-31').clientId";

/** The optional Entra ID parameters and the app settings they become. */
const ENTRA_PARAMETERS = [
  ['entraTenants', Setting.entraTenants],
  ['entraAudiences', Setting.entraAudiences],
  ['entraAuthority', Setting.entraAuthority],
] as const;

/**
 * What each app setting's expression resolves to on Azure, with sample values, so loadConfig can parse the
 * settings exactly as the deployed app will see them. An expression not known here fails the test.
 */
function resolveSample(value: string, withTopic: boolean, entra: Readonly<Record<string, string>> = {}): string {
  if (!value.startsWith('[')) return value;
  const entraParameter = /^\[parameters\('(entra\w+)'\)\]$/.exec(value)?.[1];
  if (entraParameter) return entra[entraParameter] ?? '';
  if (value.includes('@Microsoft.KeyVault')) return 'resolved-from-key-vault-0001';
  if (value.includes("parameters('deployEventGridTopic')")) {
    if (!withTopic) return '';
    return value.includes('.endpoint') ? 'https://evgt-rw-test.westus-1.eventgrid.azure.net/api/events' : 'CloudEvent';
  }
  if (value === "[variables('storageAccountName')]") return 'strwtest1234567';
  if (value.endsWith('.clientId]')) return '11111111-2222-3333-4444-555555555555';
  if (value === `[format('ClientId={0};Authorization=AAD', ${IDENTITY_CLIENT_ID})]`) {
    return 'ClientId=11111111-2222-3333-4444-555555555555;Authorization=AAD';
  }
  if (value.endsWith('.ConnectionString]')) return 'InstrumentationKey=00000000-0000-0000-0000-000000000000';
  if (value === '[subscription().subscriptionId]') return '66666666-7777-8888-9999-000000000000';
  if (value === '[resourceGroup().name]') return 'rg-test';
  throw new Error(`no sample value for app setting expression ${value}: add one to resolveSample`);
}

describe('infra/main.json', () => {
  it('is a resource-group template with the resources the service needs', () => {
    expect(template['$schema']).toMatch(/\/deploymentTemplate\.json#$/);
    for (const type of [
      'Microsoft.ManagedIdentity/userAssignedIdentities',
      'Microsoft.Storage/storageAccounts',
      'Microsoft.Storage/storageAccounts/blobServices/containers',
      'Microsoft.KeyVault/vaults',
      'Microsoft.OperationalInsights/workspaces',
      'Microsoft.Insights/components',
      'Microsoft.EventGrid/topics',
      'Microsoft.Web/serverfarms',
      'Microsoft.Web/sites',
    ]) {
      expect(ofType(type).length, type).toBeGreaterThan(0);
    }
    expect(ofType('Microsoft.KeyVault/vaults/secrets')).toHaveLength(2);
    // The Event Grid topic and its role exist only when asked for.
    expect(one('Microsoft.EventGrid/topics')['condition']).toBe("[parameters('deployEventGridTopic')]");
    const params = asObject(template['parameters'], 'parameters');
    expect(asObject(params['deployEventGridTopic'], 'deployEventGridTopic')['defaultValue']).toBe(false);
  });

  it('runs on Flex Consumption (FC1), Node 22, with the deployment container reached by identity', () => {
    const plan = one('Microsoft.Web/serverfarms');
    expect(plan['sku']).toEqual({ tier: 'FlexConsumption', name: 'FC1' });
    expect(asObject(plan['properties'], 'plan.properties')['reserved']).toBe(true);
    expect(site['kind']).toBe('functionapp,linux');
    expect(site['tags']).toContain("'azd-service-name', variables('serviceName')");
    expect(asObject(template['variables'], 'variables')['serviceName']).toBe('api');
    const fac = asObject(siteProps['functionAppConfig'], 'functionAppConfig');
    // Node 20 reached its end of life in April 2026; package.json's engines still allow 20 for local runs.
    expect(fac['runtime']).toEqual({ name: 'node', version: '22' });
    const storage = asObject(asObject(fac['deployment'], 'deployment')['storage'], 'deployment.storage');
    expect(storage['type']).toBe('blobContainer');
    expect(storage['value']).toContain("variables('deploymentContainerName')");
    expect(asObject(storage['authentication'], 'authentication')['type']).toBe('UserAssignedIdentity');
    expect(String(one('Microsoft.Storage/storageAccounts/blobServices/containers')['name'])).toContain(
      "variables('deploymentContainerName')",
    );
    expect(siteProps['httpsOnly']).toBe(true);
  });

  it('sets in siteConfig only what Flex Consumption supports: no ftpsState', () => {
    const siteConfig = asObject(siteProps['siteConfig'], 'siteConfig');
    // Flex Consumption lists siteConfig.ftpsState among the properties it does not support; Microsoft's Flex
    // templates set minTlsVersion and the app settings, nothing else.
    expect(siteConfig).not.toHaveProperty('ftpsState');
    expect(Object.keys(siteConfig).sort()).toEqual(['appSettings', 'minTlsVersion']);
    expect(readText('infra/main.json')).not.toMatch(/ftpsState/i);
  });

  it('bounds maximumInstanceCount to what Flex Consumption accepts (40 to 1000), here and in the azd wrapper', () => {
    const param = asObject(asObject(template['parameters'], 'parameters')['maximumInstanceCount'], 'maximumInstanceCount');
    expect(param).toMatchObject({ type: 'int', minValue: 40, maxValue: 1000 });
    expect(Number(param['defaultValue'])).toBeGreaterThanOrEqual(40);
    const fac = asObject(siteProps['functionAppConfig'], 'functionAppConfig');
    expect(asObject(fac['scaleAndConcurrency'], 'scaleAndConcurrency')['maximumInstanceCount']).toBe(
      "[parameters('maximumInstanceCount')]",
    );
    // The wrapper checks the same bounds, so azd refuses a bad value before anything is deployed.
    const bicep = readText('infra/azd-main.bicep');
    const decorators = /((?:^@.*\n)+)param maximumInstanceCount int = (\d+)$/m.exec(bicep);
    expect(decorators?.[1]).toContain('@minValue(40)\n');
    expect(decorators?.[1]).toContain('@maxValue(1000)\n');
    expect(Number(decorators?.[2])).toBe(param['defaultValue']);
  });

  it('sends telemetry to Application Insights with Entra ID: local auth off, the identity publishes', () => {
    const component = asObject(one('Microsoft.Insights/components')['properties'], 'component.properties');
    expect(component['DisableLocalAuth']).toBe(true);
    const byName = Object.fromEntries(appSettings.map((s) => [s.name, s.value]));
    expect(byName['APPLICATIONINSIGHTS_CONNECTION_STRING']).toContain("'Microsoft.Insights/components'");
    expect(byName['APPLICATIONINSIGHTS_AUTHENTICATION_STRING']).toBe(`[format('ClientId={0};Authorization=AAD', ${IDENTITY_CLIENT_ID})]`);
    // The Monitoring Metrics Publisher role on the component, for the identity whose client id that names.
    const publisher = ofType('Microsoft.Authorization/roleAssignments').filter((r) =>
      String(asObject(r['properties'], 'properties')['roleDefinitionId']).includes("variables('roles').monitoringMetricsPublisher"),
    );
    expect(publisher).toHaveLength(1);
    const assignment = publisher[0] as Record<string, unknown>;
    expect(assignment['scope']).toBe("[format('Microsoft.Insights/components/{0}', variables('appInsightsName'))]");
    expect(asObject(assignment['properties'], 'properties')['principalId']).toBe(
      "[reference(resourceId('Microsoft.ManagedIdentity/userAssignedIdentities', variables('identityName')), '2023-01-31').principalId]",
    );
    expect(asObject(template['variables'], 'variables')['roles']).toMatchObject({
      monitoringMetricsPublisher: '3913510d-42f4-4e42-8a64-420c390055eb',
    });
  });

  it('starts the app only after every role assignment it relies on exists', () => {
    const dependsOn = asArray(site['dependsOn'], 'site.dependsOn').map(String);
    for (const r of ofType('Microsoft.Authorization/roleAssignments')) {
      const guid = /^\[(guid\(.*\))\]$/.exec(String(r['name']))?.[1];
      expect(guid, String(r['name'])).toBeDefined();
      expect(
        dependsOn.some((d) => d.includes(`'Microsoft.Authorization/roleAssignments', ${String(guid)})]`)),
        String(guid),
      ).toBe(true);
    }
  });

  it('sets only settings the code reads, and every setting loadConfig requires', () => {
    const known = new Set<string>([...Object.values(Setting), ...STORAGE_IDENTITY_SETTINGS, ...PLATFORM_SETTINGS]);
    const unknown = settingNames.filter((n) => !known.has(n));
    expect(unknown, 'app settings nothing reads (renamed in shared/constants.ts?)').toEqual([]);
    expect(new Set(settingNames).size).toBe(settingNames.length);
    // Required by loadConfig (no default).
    for (const required of [Setting.managementKeys, Setting.ingestKeys]) expect(settingNames).toContain(required);
    // Flex Consumption sets the runtime in functionAppConfig and rejects these as app settings.
    for (const banned of ['FUNCTIONS_WORKER_RUNTIME', 'FUNCTIONS_EXTENSION_VERSION', 'WEBSITE_RUN_FROM_PACKAGE']) {
      expect(settingNames).not.toContain(banned);
    }
    for (const mirror of [Setting.eventGridTopicEndpoint, Setting.eventGridSchema]) expect(settingNames).toContain(mirror);
  });

  it.each([false, true])('gives loadConfig a valid identity-based configuration (Event Grid topic: %s)', (withTopic) => {
    const env = Object.fromEntries(appSettings.map((s) => [s.name, resolveSample(s.value, withTopic)]));
    const config = loadConfig(env);
    expect(config.storage).toEqual({
      kind: 'identity',
      tableServiceUri: 'https://strwtest1234567.table.core.windows.net',
      queueServiceUri: 'https://strwtest1234567.queue.core.windows.net',
      clientId: '11111111-2222-3333-4444-555555555555',
    });
    expect(config.managementKeys).toEqual(['resolved-from-key-vault-0001']);
    expect(config.defaultResourceGroup).toBe('rg-test');
    // With the topic, the mirror publishes with the identity (no key app setting) in the template's schema.
    expect(config.eventGrid).toEqual(
      withTopic
        ? {
            endpoint: 'https://evgt-rw-test.westus-1.eventgrid.azure.net/api/events',
            key: undefined,
            schema: 'CloudEvent',
            retrySchedule: [5, 30, 60, 300, 900, 1800, 3600],
          }
        : undefined,
    );
  });

  it('takes the Entra ID settings as optional parameters: blank, the app takes keys only', () => {
    const params = asObject(template['parameters'], 'parameters');
    const byName = Object.fromEntries(appSettings.map((s) => [s.name, s.value]));
    for (const [param, setting] of ENTRA_PARAMETERS) {
      // Empty by default, the authority too: an authority alone would ask the app for tenants and stop it.
      expect(asObject(params[param], param)).toMatchObject({ type: 'string', defaultValue: '' });
      expect(byName[setting]).toBe(`[parameters('${param}')]`);
    }
    const env = (entra: Record<string, string>) =>
      Object.fromEntries(appSettings.map((s) => [s.name, resolveSample(s.value, false, entra)]));
    // A blank app setting is an unset one: without the parameters the deployed app is keys only, as before.
    expect(loadConfig(env({})).entra).toBeUndefined();
    const tenant = '72F988BF-86F1-41AF-91AB-2D7CD011DB47';
    expect(
      loadConfig(env({ entraTenants: tenant, entraAudiences: 'api://registry-webhooks, 0d5b3c1e-1111-2222-3333-444455556666' })).entra,
    ).toEqual({
      tenants: [tenant.toLowerCase()],
      audiences: ['api://registry-webhooks', '0d5b3c1e-1111-2222-3333-444455556666'],
      authority: 'https://login.microsoftonline.com',
    });
    expect(
      loadConfig(
        env({ entraTenants: tenant, entraAudiences: 'api://registry-webhooks', entraAuthority: 'https://login.microsoftonline.us' }),
      ).entra?.authority,
    ).toBe('https://login.microsoftonline.us');
  });

  it("creates the topic with the input schema matching the app's EVENTGRID_SCHEMA", () => {
    const params = asObject(template['parameters'], 'parameters');
    expect(asObject(params['eventGridSchema'], 'eventGridSchema')['allowedValues']).toEqual(['EventGrid', 'CloudEvent']);
    const topic = asObject(one('Microsoft.EventGrid/topics')['properties'], 'topic.properties');
    expect(topic['inputSchema']).toBe(
      "[if(equals(parameters('eventGridSchema'), 'CloudEvent'), 'CloudEventSchemaV1_0', 'EventGridSchema')]",
    );
    const schema = appSettings.find((s) => s.name === Setting.eventGridSchema)?.value;
    expect(schema).toBe("[if(parameters('deployEventGridTopic'), parameters('eventGridSchema'), '')]");
    expect(settingNames).not.toContain(Setting.eventGridTopicKey); // the topic has local auth disabled
  });

  it('keeps secrets out of settings: Key Vault references for the keys, no storage keys anywhere', () => {
    const text = readText('infra/main.json');
    expect(text).not.toMatch(/AccountKey|listKeys|SharedAccessSignature|listAccountSas/i);
    expect(settingNames).not.toContain(Setting.storage); // a connection string would carry a key
    const byName = Object.fromEntries(appSettings.map((s) => [s.name, s.value]));
    expect(byName[`${Setting.storage}__credential`]).toBe('managedidentity');
    for (const key of [Setting.managementKeys, Setting.ingestKeys]) expect(byName[key]).toContain('@Microsoft.KeyVault(VaultName=');
    const params = asObject(template['parameters'], 'parameters');
    for (const p of ['managementKeys', 'ingestKeys']) expect(asObject(params[p], p)['type']).toBe('securestring');
    const account = asObject(one('Microsoft.Storage/storageAccounts')['properties'], 'storage.properties');
    expect(account['allowSharedKeyAccess']).toBe(false);
    expect(account['allowBlobPublicAccess']).toBe(false);
    const vault = asObject(one('Microsoft.KeyVault/vaults')['properties'], 'vault.properties');
    expect(vault['enableRbacAuthorization']).toBe(true);
    expect(String(siteProps['keyVaultReferenceIdentity'])).toContain('userAssignedIdentities');
    const topic = asObject(one('Microsoft.EventGrid/topics')['properties'], 'topic.properties');
    expect(topic['disableLocalAuth']).toBe(true);
  });

  it("grants the app's identity exactly the roles it needs, each on its resource", () => {
    const assignments = ofType('Microsoft.Authorization/roleAssignments').map((r) => {
      const props = asObject(r['properties'], 'roleAssignment.properties');
      return {
        role: /variables\('roles'\)\.(\w+)/.exec(String(props['roleDefinitionId']))?.[1],
        on: /'Microsoft\.(\w+)\//.exec(String(r['scope']))?.[1],
        principal: String(props['principalId']),
        condition: r['condition'],
      };
    });
    expect(asObject(template['variables'], 'variables')['roles']).toEqual(ROLE);
    expect(assignments.map((a) => `${String(a.role)} on ${String(a.on)}`).sort()).toEqual([
      'eventGridDataSender on EventGrid',
      'keyVaultSecretsUser on KeyVault',
      'monitoringMetricsPublisher on Insights',
      'storageBlobDataOwner on Storage',
      'storageQueueDataContributor on Storage',
      'storageTableDataContributor on Storage',
    ]);
    for (const a of assignments) expect(a.principal).toContain("userAssignedIdentities', variables('identityName')");
    expect(assignments.find((a) => a.role === 'eventGridDataSender')?.condition).toBe("[parameters('deployEventGridTopic')]");
    // The site runs as that identity.
    expect(JSON.stringify(site['identity'])).toContain("userAssignedIdentities', variables('identityName')");
  });

  it('outputs the management and ingest URLs on the routes the functions serve', () => {
    const outputs = asObject(template['outputs'], 'outputs');
    const value = (name: string) => String(asObject(outputs[name], name)['value']);
    const shortWebhooks = webhookRoutes('x', '')[1]?.route ?? '';
    // ARM's format() writes a literal brace as {{ }}.
    const armLiteral = (route: string) => route.replace(/\{/g, '{{').replace(/\}/g, '}}');
    expect(value('MANAGEMENT_URL')).toContain(`'https://{0}/api/${armLiteral(shortWebhooks)}'`);
    expect(value('INGEST_URL')).toContain(`'https://{0}/api/${armLiteral('registries/{registryName}/events')}'`);
    const hostJson = asObject(readJson('host.json'), 'host.json');
    expect(asObject(asObject(hostJson['extensions'], 'extensions')['http'], 'http')['routePrefix']).toBe('api');
    expect(Object.keys(outputs)).toEqual(expect.arrayContaining(['AZURE_FUNCTION_APP_NAME', 'SERVICE_API_URI']));
  });
});

describe('azd wiring', () => {
  const azure = asObject(parseYaml(readText('azure.yaml')), 'azure.yaml');
  const infra = asObject(azure['infra'], 'infra');
  const moduleName = String(infra['module']);

  it('azure.yaml deploys the packaged folder as the function service `api`', async () => {
    const api = asObject(asObject(azure['services'], 'services')['api'], 'services.api');
    expect(api['host']).toBe('function');
    expect(['ts', 'js']).toContain(api['language']);
    expect(api['project']).toBe('.');
    expect(existsSync(join(root, String(api['project']), 'package.json'))).toBe(true);
    const { STAGING_FOLDER } = await import('../../scripts/package.js');
    expect(api['dist']).toBe(STAGING_FOLDER);
    expect(api['remoteBuild']).toBe(false);
    const hook = asObject(asObject(asObject(api['hooks'], 'hooks')['prepackage'], 'prepackage')['posix'], 'posix');
    expect(hook['run']).toBe('npm run package');
    const pkg = asObject(readJson('package.json'), 'package.json');
    expect(asObject(pkg['scripts'], 'scripts')['package']).toBeDefined();
    expect(infra['path']).toBe('infra');
    expect(existsSync(join(root, 'infra', `${moduleName}.bicep`))).toBe(true);
  });

  it('azure.yaml requires azd 1.23.12 or later, the first that keeps node_modules whatever remoteBuild says', async () => {
    // Older azd left node_modules out of a JS/TS function package that has no .funcignore; with
    // remoteBuild: false nothing reinstalls them. The package carries its own .funcignore as well.
    expect(azure['requiredVersions']).toEqual({ azd: '>= 1.23.12' });
    const { FUNCIGNORE } = await import('../../scripts/package.js');
    expect(FUNCIGNORE).toBe('.funcignore');
  });

  it('the azd wrapper passes every parameter of main.json through and re-exports its outputs', () => {
    const bicep = readText(`infra/${moduleName}.bicep`);
    expect(bicep).toContain("module app 'main.json'");
    const block = /params: \{([\s\S]*?)\n {2}\}/.exec(bicep)?.[1] ?? '';
    const passed = [...block.matchAll(/^\s+(\w+):/gm)].map((m) => m[1]).sort();
    expect(passed).toEqual(Object.keys(asObject(template['parameters'], 'parameters')).sort());
    for (const output of Object.keys(asObject(template['outputs'], 'outputs'))) {
      expect(bicep).toContain(`output ${output} string = app.outputs.${output}`);
    }
    // azd's parameters file names only parameters the wrapper declares, and every one without a default.
    const declared = [...bicep.matchAll(/^param (\w+) (\w+)( = .*)?$/gm)].map((m) => ({ name: m[1] ?? '', hasDefault: !!m[3] }));
    const file = asObject(asObject(readJson(`infra/${moduleName}.parameters.json`), 'parameters file')['parameters'], 'parameters');
    for (const name of Object.keys(file)) expect(declared.map((d) => d.name)).toContain(name);
    for (const d of declared.filter((d) => !d.hasDefault)) expect(Object.keys(file)).toContain(d.name);
  });

  it('takes the Entra ID parameters from the azd environment (ENTRA_TENANTS, ...), empty when not set', () => {
    const bicep = readText(`infra/${moduleName}.bicep`);
    const file = asObject(asObject(readJson(`infra/${moduleName}.parameters.json`), 'parameters file')['parameters'], 'parameters');
    for (const [param, setting] of ENTRA_PARAMETERS) {
      expect(bicep).toMatch(new RegExp(`^param ${param} string = ''$`, 'm'));
      expect(file[param]).toEqual({ value: `\${${setting}=}` });
    }
  });
});
