// Drives Apple's AppStoreServerAPIClient against a base URL (ascjwt serve).
// Reads {baseUrl, keyPath, keyId, issuerId, bundleId, calls:[{name, method, args}]}
// on stdin and prints [{name, ok, httpStatusCode, apiError, body}] on stdout.
'use strict';
const fs = require('fs');
const { AppStoreServerAPIClient, Environment, APIException } = require('@apple/app-store-server-library');

// The library builds its URL from the environment; LOCAL_TESTING keeps the
// request path and headers and only its base is replaced here.
class BaseURLClient extends AppStoreServerAPIClient {
  constructor(key, keyId, issuerId, bundleId, baseUrl) {
    super(key, keyId, issuerId, bundleId, Environment.LOCAL_TESTING);
    this.urlBase = baseUrl;
  }
}

async function main() {
  const input = JSON.parse(fs.readFileSync(0, 'utf8'));
  const key = fs.readFileSync(input.keyPath, 'utf8');
  const client = new BaseURLClient(key, input.keyId, input.issuerId, input.bundleId, input.baseUrl);
  const out = [];
  for (const c of input.calls) {
    try {
      const body = await client[c.method](...c.args);
      out.push({ name: c.name, ok: true, body });
    } catch (e) {
      if (e instanceof APIException) {
        out.push({ name: c.name, ok: false, httpStatusCode: e.httpStatusCode, apiError: e.apiError });
      } else {
        out.push({ name: c.name, ok: false, error: String(e && e.message) });
      }
    }
  }
  process.stdout.write(JSON.stringify(out));
}
main().catch((e) => { process.stderr.write(String(e && e.stack)); process.exit(1); });
