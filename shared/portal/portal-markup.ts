/**
 * The page's static markup: every view is here, hidden until the client script shows it, so labels,
 * landmarks and headings exist before any script runs. Mirrors the Azure portal's Webhooks blade.
 */
export const PORTAL_MARKUP = `
<a class="skip" href="#main">Skip to content</a>
<header class="top">
  <p class="brand">registry-webhooks</p>
  <p id="who" hidden>Registry <strong id="who-registry"></strong> <button id="sign-out" type="button" class="link">Change registry or key</button></p>
  <p class="api-link"><a href="openapi.json" id="openapi-link">API reference (OpenAPI)</a></p>
</header>
<main id="main" tabindex="-1">
  <div id="status" class="status" role="status" aria-live="polite"></div>

  <section id="view-connect" hidden aria-labelledby="connect-title">
    <h1 id="connect-title">Connect to a registry</h1>
    <p class="hint">The registry name and the management key or token are kept in this browser tab only (sessionStorage) and are sent to this service, nowhere else.</p>
    <form id="connect-form" novalidate>
      <div class="field">
        <label for="connect-registry">Registry name</label>
        <input id="connect-registry" name="registry" autocomplete="off" spellcheck="false" required aria-describedby="connect-registry-error">
        <p class="error" id="connect-registry-error"></p>
      </div>
      <fieldset class="field" id="connect-kind">
        <legend>Sign in with</legend>
        <label class="check"><input type="radio" name="credential" value="key" checked> Key</label>
        <label class="check"><input type="radio" name="credential" value="token"> Entra ID token</label>
      </fieldset>
      <div class="field">
        <label for="connect-key">Management key</label>
        <input id="connect-key" name="key" type="password" autocomplete="off" required aria-describedby="connect-key-hint connect-key-error">
        <p class="hint" id="connect-key-hint">npm start prints it; in Azure it is one of MANAGEMENT_KEYS.</p>
        <p class="error" id="connect-key-error"></p>
      </div>
      <div class="field" id="connect-token-field" hidden>
        <label for="connect-token">Bearer token</label>
        <textarea id="connect-token" name="token" rows="4" autocomplete="off" spellcheck="false" required aria-describedby="connect-token-hint connect-token-error"></textarea>
        <p class="hint" id="connect-token-hint">An Entra ID access token for this service, sent as <code>Authorization: Bearer</code> and kept in this tab like a key: <code>az account get-access-token --resource &lt;App ID URI&gt; --query accessToken -o tsv</code></p>
        <p class="error" id="connect-token-error"></p>
      </div>
      <p class="error" id="connect-error" role="alert"></p>
      <div class="buttons"><button type="submit" class="primary">Connect</button></div>
    </form>
  </section>

  <section id="view-list" hidden aria-labelledby="list-title">
    <div class="bar">
      <h1 id="list-title">Webhooks</h1>
      <div class="buttons">
        <a class="button primary" href="#/add" id="add-button">Add</a>
        <button id="list-refresh" type="button">Refresh</button>
      </div>
    </div>
    <p class="error" id="list-error" role="alert"></p>
    <div class="table-wrap">
      <table id="webhooks-table" class="cards">
        <caption class="sr-only">Webhooks of the registry</caption>
        <thead><tr><th scope="col">Name</th><th scope="col">Location</th><th scope="col">Actions</th><th scope="col">Scope</th><th scope="col">Status</th><th scope="col">Health</th></tr></thead>
        <tbody></tbody>
      </table>
    </div>
    <p id="list-empty" class="empty" hidden>No webhooks yet. Add one to be notified of pushes and deletes.</p>
  </section>

  <section id="view-add" hidden aria-labelledby="add-title">
    <p><a href="#/">&larr; Webhooks</a></p>
    <h1 id="add-title">Create webhook</h1>
    <form id="add-form" novalidate>
      <div class="field">
        <label for="add-name">Webhook name <span class="req" aria-hidden="true">*</span></label>
        <input id="add-name" name="name" autocomplete="off" spellcheck="false" required maxlength="50" aria-describedby="add-name-hint add-name-error">
        <p class="hint" id="add-name-hint">5-50 lowercase letters and digits.</p>
        <p class="error" id="add-name-error" aria-live="polite"></p>
      </div>
      <div class="field">
        <label for="add-endpoint-type">Endpoint type</label>
        <select id="add-endpoint-type" name="endpointType" aria-describedby="add-endpoint-type-hint add-endpoint-type-error">
          <option value="WebHook" selected>Web Hook</option>
          <option value="StorageQueue">Storage Queue</option>
          <option value="ServiceBusQueue">Service Bus Queue</option>
          <option value="ServiceBusTopic">Service Bus Topic</option>
          <option value="EventHub">Event Hubs</option>
        </select>
        <p class="hint" id="add-endpoint-type-hint">Web Hook posts each event to the service URI; the others send it as a message to the queue, topic or event hub at the service URI.</p>
        <p class="error" id="add-endpoint-type-error"></p>
      </div>
      <div class="field">
        <label for="add-uri">Service URI <span class="req" aria-hidden="true">*</span></label>
        <input id="add-uri" name="uri" type="url" inputmode="url" autocomplete="off" spellcheck="false" required placeholder="https://example.com/hook" aria-describedby="add-uri-error">
        <p class="error" id="add-uri-error"></p>
      </div>
      <div id="add-destination" hidden>
        <div class="field">
          <label for="add-connection-string">Connection string</label>
          <input id="add-connection-string" name="connectionString" type="password" autocomplete="off" spellcheck="false" aria-describedby="add-connection-string-hint add-connection-string-error">
          <p class="hint" id="add-connection-string-hint">The storage account's or the namespace's. Empty: the service sends with its managed identity (grant it the data sender role on the entity).</p>
          <p class="error" id="add-connection-string-error"></p>
        </div>
        <div class="field">
          <label for="add-queue-ttl">Message time to live (seconds)</label>
          <input id="add-queue-ttl" name="queueMessageTimeToLiveSeconds" inputmode="numeric" autocomplete="off" spellcheck="false" aria-describedby="add-queue-ttl-hint add-queue-ttl-error">
          <p class="hint" id="add-queue-ttl-hint">Storage and Service Bus queues and topics; -1 never expires. Empty: 7 days for a Storage Queue, the entity's default for Service Bus.</p>
          <p class="error" id="add-queue-ttl-error"></p>
        </div>
      </div>
      <div class="field">
        <label for="add-headers">Custom headers</label>
        <textarea id="add-headers" name="headers" rows="3" spellcheck="false" placeholder="Authorization: Basic 000000" aria-describedby="add-headers-hint add-headers-error"></textarea>
        <p class="hint" id="add-headers-hint">One header per line, as <code>key: value</code>.</p>
        <p class="error" id="add-headers-error"></p>
      </div>
      <fieldset class="field" aria-describedby="add-actions-error">
        <legend>Trigger actions <span class="req" aria-hidden="true">*</span></legend>
        <label class="check"><input type="checkbox" name="actions" value="push"> push</label>
        <label class="check"><input type="checkbox" name="actions" value="delete"> delete</label>
        <label class="check"><input type="checkbox" name="actions" value="quarantine"> quarantine</label>
        <label class="check"><input type="checkbox" name="actions" value="chart_push"> chart_push</label>
        <label class="check"><input type="checkbox" name="actions" value="chart_delete"> chart_delete</label>
        <p class="error" id="add-actions-error"></p>
      </fieldset>
      <fieldset class="field">
        <legend>Status</legend>
        <label class="check"><input type="radio" name="status" value="enabled" checked> On</label>
        <label class="check"><input type="radio" name="status" value="disabled"> Off</label>
      </fieldset>
      <div class="field">
        <label for="add-scope">Scope</label>
        <input id="add-scope" name="scope" autocomplete="off" spellcheck="false" placeholder="hello-world:*" aria-describedby="add-scope-hint add-scope-error">
        <p class="hint" id="add-scope-hint"><code>repository:tag</code>, <code>repository:*</code> for every tag; empty for all events of the registry.</p>
        <p class="error" id="add-scope-error"></p>
      </div>
      <fieldset class="field" aria-describedby="add-multi-arch-hint">
        <legend>Multi-arch images</legend>
        <label class="check"><input type="checkbox" id="add-multi-arch" name="multiArch" value="coalesced"> One event per multi-arch image</label>
        <p class="hint" id="add-multi-arch-hint">Off: one event per manifest, as ACR sends them. On: one push for the image index, listing its platforms.</p>
      </fieldset>
      <div class="field">
        <label for="add-rate-limit">Rate limit (requests per second)</label>
        <input id="add-rate-limit" name="rateLimitPerSecond" type="number" inputmode="numeric" min="1" max="1000" step="1" autocomplete="off" aria-describedby="add-rate-limit-hint add-rate-limit-error">
        <p class="hint" id="add-rate-limit-hint">1-1000; empty for no limit. Deliveries over the limit wait their turn, in order; they do not fail.</p>
        <p class="error" id="add-rate-limit-error"></p>
      </div>
      <div class="field">
        <label for="add-payload-format">Payload format</label>
        <select id="add-payload-format" name="payloadFormat" aria-describedby="add-payload-format-hint add-payload-format-error">
          <option value="acr" selected>ACR (the registry's JSON event)</option>
          <option value="cloudevents">CloudEvents 1.0</option>
          <option value="slack">Slack message</option>
          <option value="teams">Microsoft Teams card</option>
        </select>
        <p class="hint" id="add-payload-format-hint">Slack: the channel's incoming-webhook URL. Teams: the URL of a Workflows flow "Post to a channel when a webhook request is received".</p>
        <p class="error" id="add-payload-format-error"></p>
      </div>
      <fieldset class="field" aria-describedby="add-skip-referrers-hint">
        <legend>Signatures, attestations and SBOMs</legend>
        <label class="check"><input type="checkbox" id="add-skip-referrers" name="skipReferrers" value="true"> Skip them</label>
        <p class="hint" id="add-skip-referrers-hint">Cosign's <code>sha256-&lt;digest&gt;</code> tags and OCI 1.1 referrers (a manifest with a subject) are listed as skipped, not sent.</p>
      </fieldset>
      <p class="error" id="add-error" role="alert"></p>
      <div class="buttons"><button type="submit" class="primary" id="add-submit">Create</button><a class="button" href="#/">Cancel</a></div>
    </form>
  </section>

  <section id="view-detail" hidden aria-labelledby="detail-title">
    <p><a href="#/">&larr; Webhooks</a></p>
    <div class="bar">
      <h1 id="detail-title"></h1>
      <div class="buttons">
        <button id="ping" type="button" class="primary">Ping</button>
        <button id="toggle-status" type="button"></button>
        <button id="show-config" type="button" aria-expanded="false" aria-controls="config">Show configuration</button>
        <button id="delete" type="button" class="danger">Delete</button>
      </div>
    </div>
    <p class="error" id="detail-error" role="alert"></p>
    <dl class="props">
      <div><dt>Status</dt><dd id="prop-status"></dd></div>
      <div><dt>Endpoint type</dt><dd id="prop-endpoint-type"></dd></div>
      <div><dt>Actions</dt><dd id="prop-actions"></dd></div>
      <div><dt>Scope</dt><dd id="prop-scope"></dd></div>
      <div><dt>Multi-arch images</dt><dd id="prop-multi-arch"></dd></div>
      <div><dt>Rate limit</dt><dd id="prop-rate-limit"></dd></div>
      <div><dt>Payload format</dt><dd id="prop-payload-format"></dd></div>
      <div><dt>Signatures, attestations, SBOMs</dt><dd id="prop-skip-referrers"></dd></div>
      <div><dt>Location</dt><dd id="prop-location"></dd></div>
      <div><dt>Delivery health</dt><dd id="prop-health"></dd></div>
      <div id="prop-reason-row" hidden><dt>Status reason</dt><dd id="prop-reason"></dd></div>
    </dl>
    <form id="recover-form" class="panel inline-form" novalidate aria-labelledby="recover-title">
      <h2 id="recover-title">Recover</h2>
      <p class="hint" id="recover-hint">Send again, in order, every failed or held delivery whose event was received at or after this time. The webhook must be enabled.</p>
      <div class="field">
        <label for="recover-since">Received since</label>
        <input id="recover-since" name="since" type="datetime-local" step="1" required aria-describedby="recover-hint recover-error">
        <p class="error" id="recover-error"></p>
      </div>
      <div class="buttons"><button type="submit" id="recover-submit">Recover</button></div>
    </form>
    <section id="config" hidden aria-labelledby="config-title" class="panel">
      <h2 id="config-title">Configuration</h2>
      <dl class="props">
        <div><dt>Service URI</dt><dd id="config-uri" class="mono"></dd></div>
        <div><dt>Custom headers</dt><dd id="config-headers" class="mono"></dd></div>
        <div id="config-connection-row" hidden><dt>Connection string</dt><dd id="config-connection" class="mono"></dd></div>
      </dl>
    </section>
    <div class="bar">
      <h2 id="events-title">Events</h2>
      <div class="buttons"><span id="events-updated" class="hint"></span><button id="events-refresh" type="button">Refresh</button></div>
    </div>
    <div class="table-wrap">
      <table id="events-table" class="cards" aria-labelledby="events-title">
        <thead><tr><th scope="col">ID</th><th scope="col">Action</th><th scope="col">Image</th><th scope="col">HTTP status</th><th scope="col">Timestamp</th></tr></thead>
        <tbody></tbody>
      </table>
    </div>
    <p id="events-empty" class="empty" hidden>No events yet. Ping the webhook to send one.</p>
    <section id="event-detail" hidden aria-labelledby="event-detail-title" class="panel" tabindex="-1">
      <div class="bar">
        <h2 id="event-detail-title">Event</h2>
        <div class="buttons"><button id="redeliver" type="button">Redeliver</button><button id="event-close" type="button">Close</button></div>
      </div>
      <div class="split">
        <div><h3>Request</h3><pre id="event-request" tabindex="0" aria-label="Request"></pre></div>
        <div><h3>Response</h3><pre id="event-response" tabindex="0" aria-label="Response"></pre></div>
      </div>
    </section>
  </section>

  <dialog id="confirm-delete" aria-labelledby="confirm-title" aria-describedby="confirm-text">
    <h2 id="confirm-title">Delete webhook</h2>
    <p id="confirm-text"></p>
    <div class="buttons"><button type="button" id="confirm-cancel">Cancel</button><button type="button" class="danger" id="confirm-yes">Delete</button></div>
  </dialog>
</main>
`;
