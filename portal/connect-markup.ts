/*
 * The connect form's choice of credential and its token field (issue 19: "the page also accepts a pasted
 * bearer token"). The rest of the form is in shared/portal/portal-markup.ts; these are added by the script
 * (constant text, nothing from outside), so they belong there too once that file can take them.
 */

/** Goes before the management key's field. */
export const CREDENTIAL_CHOICE = `
<fieldset class="field" id="connect-kind">
  <legend>Sign in with</legend>
  <label class="check"><input type="radio" name="credential" value="key" checked> Key</label>
  <label class="check"><input type="radio" name="credential" value="token"> Entra ID token</label>
</fieldset>`;

/** Goes after the management key's field; shown instead of it when "Entra ID token" is chosen. */
export const TOKEN_FIELD = `
<div class="field" id="connect-token-field" hidden>
  <label for="connect-token">Bearer token</label>
  <textarea id="connect-token" name="token" rows="4" autocomplete="off" spellcheck="false" required aria-describedby="connect-token-hint connect-token-error"></textarea>
  <p class="hint" id="connect-token-hint">An Entra ID access token for this service, sent as <code>Authorization: Bearer</code> and kept in this tab like a key: <code>az account get-access-token --resource &lt;App ID URI&gt; --query accessToken -o tsv</code></p>
  <p class="error" id="connect-token-error"></p>
</div>`;
