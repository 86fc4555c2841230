// Drives the npm apple-signin-auth, a widely used Node client of Sign in
// with Apple, against signinwithappletest, for the Go test
// TestAppleSigninAuthAgainstTheFake. It reads one JSON object on stdin:
//
//   base          the fake's URL, put where apple-signin-auth calls
//                 https://appleid.apple.com (its endpoint is fixed)
//   clientID, teamID, keyID, privateKey
//                 the fake's client and Sign in with Apple key (PEM), for
//                 apple-signin-auth's own client secret
//   idToken, nonce  an identity token the fake issued an app, and its nonce
//   code          an authorization code to exchange
//   notification  the payload of a server-to-server notification
//
// and writes one JSON object of what each call returned or threw. The fake's
// TLS certificate is trusted through NODE_EXTRA_CA_CERTS.
'use strict';

const APPLE = 'https://appleid.apple.com';

async function main() {
  const input = JSON.parse(require('fs').readFileSync(0, 'utf8'));
  // apple-signin-auth calls Apple's fixed origin: through its _setFetch,
  // send those calls to the fake instead, unchanged otherwise.
  const appleSignin = require('apple-signin-auth');
  appleSignin._setFetch((url, options) => fetch(String(url).replace(APPLE, input.base), options));

  const out = {};
  const attempt = async (name, fn) => {
    try {
      out[name] = { ok: true, value: await fn() };
    } catch (err) {
      out[name] = { ok: false, error: String(err && err.message ? err.message : err) };
    }
  };

  await attempt('verifyIdToken', () =>
    appleSignin.verifyIdToken(input.idToken, { audience: input.clientID, nonce: input.nonce }));
  await attempt('verifyIdTokenWrongNonce', () =>
    appleSignin.verifyIdToken(input.idToken, { audience: input.clientID, nonce: 'not-the-nonce' }));
  await attempt('verifyIdTokenWrongAudience', () =>
    appleSignin.verifyIdToken(input.idToken, { audience: 'com.example.other' }));

  const clientSecret = appleSignin.getClientSecret({
    clientID: input.clientID,
    teamID: input.teamID,
    keyIdentifier: input.keyID,
    privateKey: input.privateKey,
  });
  await attempt('getAuthorizationToken', () =>
    appleSignin.getAuthorizationToken(input.code, { clientID: input.clientID, redirectUri: '', clientSecret }));
  const tokens = out.getAuthorizationToken.ok ? out.getAuthorizationToken.value : {};
  await attempt('verifyExchangedIdToken', () =>
    appleSignin.verifyIdToken(tokens.id_token, { audience: input.clientID }));
  await attempt('refreshAuthorizationToken', () =>
    appleSignin.refreshAuthorizationToken(tokens.refresh_token, { clientID: input.clientID, clientSecret }));
  await attempt('revokeAuthorizationToken', () =>
    appleSignin.revokeAuthorizationToken(tokens.refresh_token, { clientID: input.clientID, clientSecret, tokenTypeHint: 'refresh_token' }));
  await attempt('refreshAfterRevoke', () =>
    appleSignin.refreshAuthorizationToken(tokens.refresh_token, { clientID: input.clientID, clientSecret }));
  await attempt('verifyWebhookToken', () =>
    appleSignin.verifyWebhookToken(input.notification, { audience: input.clientID }));

  process.stdout.write(JSON.stringify(out));
}

main().catch((err) => {
  process.stderr.write(String(err && err.stack ? err.stack : err) + '\n');
  process.exit(1);
});
