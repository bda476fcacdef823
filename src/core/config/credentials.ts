/**
 * Credentials never travel in a lakehouse location. A location is echoed in
 * outputs, errors, logs and `.lakehouse/*` state files, so one carrying a SAS
 * token, an account key or a password is refused (with a pointer to where
 * credentials belong) before it is parsed or stored; `redactSecrets` is the
 * second line of defence on everything the front ends print.
 */

/** SAS query keys that carry or authorize the signature, and other token-carrying keys. */
const SECRET_QUERY = /[?&](sig|se|sv|sp|spr|srt|ss|skoid|sktid|skt|ske|sks|skv|code|token|access_token|api-?key)=/i;
const CONNECTION_STRING = /(AccountKey|SharedAccessSignature|SharedAccessKey|ClientSecret|Password|Pwd)\s*=/i;
const URL_PASSWORD = /^[a-z][\w+.-]*:\/\/[^/?#@\s]*:[^/?#@\s]*@/i;

/** What kind of credential a location carries, or undefined. Never returns the credential itself. */
export function credentialInLocation(text: string): string | undefined {
  if (SECRET_QUERY.test(text)) return 'a SAS token or access token (query string)';
  if (CONNECTION_STRING.test(text)) return 'an account key or connection string';
  if (URL_PASSWORD.test(text)) return 'a password';
  return undefined;
}

export const CREDENTIALS_HINT =
  "Remove it from the location and sign in instead: in VS Code with the Accounts menu; for the CLI with 'az login' or the AZURE_* environment variables of a service principal. Azurite needs no credentials.";

const REDACTIONS: Array<[RegExp, string]> = [
  // A value stops at a backslash too: inside JSON text `\"` ends it, and eating the backslash would break the JSON.
  [
    /([?&;](?:sig|code|token|access_token|api-?key|key|password|secret|client_secret)=)[^&\s'"#;<>\\]+/gi,
    '$1<redacted>',
  ],
  [
    /\b(AccountKey|SharedAccessSignature|SharedAccessKey|ClientSecret|Password|Pwd)(\s*=\s*)[^;'"\s\\]+/gi,
    '$1$2<redacted>',
  ],
  [/\b([a-z][\w+.-]*:\/\/[^/?#@\s:]*):[^/?#@\s]+@/gi, '$1:<redacted>@'],
  [/\bBearer\s+[\w.~+/=-]+/gi, 'Bearer <redacted>'],
  [/\beyJ[\w-]{8,}\.[\w-]{8,}\.[\w-]+/g, '<redacted-token>'],
];

/** Masks SAS signatures, account keys, URL passwords and bearer tokens in text meant for a person or a file. */
export function redactSecrets(text: string): string {
  let out = text;
  for (const [pattern, replacement] of REDACTIONS) out = out.replace(pattern, replacement);
  return out;
}
