// Apple's App Store Server Library (Node) verifying signed data, for the
// Go tests in ../appstore_verify_test.go, which compare its verdicts with
// package appstore's.
//
//   node appstore_verify.js verify < cases.json
//     cases.json: {"roots": [base64 DER], "cases": [{name, method, signed,
//     environment, bundleId, appAppleId}]}; prints [{name, status, cause}].
//
//   node appstore_verify.js make
//     makes its own chains with jsrsasign (Apple's library's certificate
//     dependency) and signs payloads with jsonwebtoken (its JWS one), with
//     the chain in x5c; verifies each with Apple's library and prints
//     {"roots": [...], "cases": [{name, method, signed, environment,
//     bundleId, appAppleId, expect, status, cause}]}.
//
// Online checks are off (enableOnlineChecks false), so Apple's verifier
// checks the chain at the payload's signedDate (receiptCreationDate for an
// app transaction), or now when the payload has none.
'use strict';

const crypto = require('crypto');
const jsonwebtoken = require('jsonwebtoken');
const { KJUR } = require('jsrsasign');
const { SignedDataVerifier, VerificationException, VerificationStatus } = require('@apple/app-store-server-library');

const METHODS = {
  notification: 'verifyAndDecodeNotification',
  transaction: 'verifyAndDecodeTransaction',
  renewalInfo: 'verifyAndDecodeRenewalInfo',
  appTransaction: 'verifyAndDecodeAppTransaction',
  realtimeRequest: 'verifyAndDecodeRealtimeRequest',
};

// verdict runs Apple's verifier on one case: "OK", or the
// VerificationStatus name it refuses with, and the status of the
// VerificationException it wraps, if any: Apple's library reports a chain
// of the wrong length as INVALID_CERTIFICATE caused by INVALID_CHAIN_LENGTH.
// effective is the cause when there is one, else the status.
async function verdict(roots, c) {
  const verifier = new SignedDataVerifier(roots.map((r) => Buffer.from(r, 'base64')), false,
    c.environment, c.bundleId, c.appAppleId || undefined);
  try {
    await verifier[METHODS[c.method]](c.signed);
    return { status: 'OK', effective: 'OK' };
  } catch (e) {
    if (e instanceof VerificationException) {
      const cause = e.cause instanceof VerificationException ? VerificationStatus[e.cause.status] : undefined;
      return { status: VerificationStatus[e.status], cause, effective: cause || VerificationStatus[e.status] };
    }
    return { status: 'THREW', cause: String(e && e.message), effective: 'THREW' };
  }
}

// Certificates, made with jsrsasign.

function keyPair(curve) {
  const { privateKey, publicKey } = crypto.generateKeyPairSync('ec', { namedCurve: curve });
  return {
    priv: privateKey.export({ type: 'pkcs8', format: 'pem' }),
    pub: publicKey.export({ type: 'spki', format: 'pem' }),
  };
}

let serial = 1000;

// asn1Time writes a Date as jsrsasign takes it: UTCTime, YYMMDDHHMMSSZ.
function asn1Time(d) {
  return d.toISOString().replace(/[-:T]/g, '').slice(2, 14) + 'Z';
}

function certificate({ subject, issuer, keys, issuerKeys, from, until, ca, oid, sigalg }) {
  const ext = [
    { extname: 'basicConstraints', cA: !!ca, critical: true },
    { extname: 'keyUsage', critical: true, names: ca ? ['keyCertSign', 'cRLSign'] : ['digitalSignature'] },
  ];
  if (oid) {
    ext.push({ extname: oid, extn: '0500' }); // ASN.1 NULL, as Apple's certificates carry it
  }
  const cert = new KJUR.asn1.x509.Certificate({
    version: 3,
    serial: { int: serial++ },
    issuer: { str: issuer },
    subject: { str: subject },
    notbefore: asn1Time(from),
    notafter: asn1Time(until),
    sbjpubkey: keys.pub,
    ext,
    sigalg: sigalg || 'SHA384withECDSA',
    cakey: issuerKeys.priv,
  });
  return Buffer.from(cert.tohex(), 'hex').toString('base64');
}

const LEAF_OID = '1.2.840.113635.100.6.11.1';
const INTERMEDIATE_OID = '1.2.840.113635.100.6.2.1';
const YEAR = 365 * 24 * 3600 * 1000;

// chainUnder makes an intermediate and a leaf under root, broken as asked.
function chainUnder(root, opts = {}) {
  const now = Date.now();
  const interKeys = keyPair('secp384r1');
  const leafKeys = keyPair(opts.leafCurve || 'prime256v1');
  const inter = certificate({
    subject: '/CN=node WWDR CA/O=jsrsasign', issuer: root.subject, keys: interKeys, issuerKeys: root.keys,
    from: new Date(now - 5 * YEAR), until: new Date(now + 5 * YEAR), ca: opts.intermediateCA !== false,
    oid: opts.noIntermediateOID ? undefined : INTERMEDIATE_OID,
  });
  const leaf = certificate({
    subject: '/CN=node Receipt Signing/O=jsrsasign', issuer: '/CN=node WWDR CA/O=jsrsasign', keys: leafKeys, issuerKeys: interKeys,
    from: opts.leafFrom || new Date(now - YEAR), until: opts.leafUntil || new Date(now + 2 * YEAR),
    oid: opts.noLeafOID ? undefined : LEAF_OID,
  });
  return { x5c: [leaf, inter, root.cert], leafKeys };
}

function newRoot(name) {
  const now = Date.now();
  const keys = keyPair('secp384r1');
  const subject = '/CN=' + name + '/O=jsrsasign';
  const cert = certificate({ subject, issuer: subject, keys, issuerKeys: keys, from: new Date(now - 10 * YEAR), until: new Date(now + 10 * YEAR), ca: true });
  return { subject, keys, cert };
}

// sign signs claims with jsonwebtoken, the chain in the header's x5c.
function sign(chain, claims, { x5c = chain.x5c, algorithm = 'ES256' } = {}) {
  const header = x5c ? { x5c } : {};
  return jsonwebtoken.sign(claims, chain.leafKeys.priv, { algorithm, header });
}

function make() {
  const now = Date.now();
  const root = newRoot('node Root CA');
  const other = newRoot('node Other Root CA');
  const good = chainUnder(root);
  const bundleId = 'com.example.node';
  const appAppleId = 987654321;
  const sandbox = { environment: 'Sandbox', bundleId };
  const production = { environment: 'Production', bundleId, appAppleId };
  const tx = { transactionId: '1000', originalTransactionId: '1000', bundleId, productId: 'com.example.node.monthly',
    purchaseDate: now - 1000, expiresDate: now + 30 * 24 * 3600 * 1000, type: 'Auto-Renewable Subscription',
    environment: 'Sandbox', signedDate: now, price: 4990, currency: 'EUR', storefront: 'FRA' };
  const ri = { originalTransactionId: '1000', autoRenewProductId: 'com.example.node.monthly', autoRenewStatus: 1,
    environment: 'Sandbox', signedDate: now, renewalDate: now + 1000 };
  const notification = (chain, txChain = chain) => ({
    notificationType: 'DID_RENEW', notificationUUID: crypto.randomUUID(), version: '2.0', signedDate: now,
    data: { bundleId, appAppleId, environment: 'Sandbox', status: 1,
      signedTransactionInfo: sign(txChain, tx), signedRenewalInfo: sign(txChain, ri) },
  });
  const tampered = (jws) => {
    const [h, , s] = jws.split('.');
    return [h, Buffer.from(JSON.stringify({ ...tx, price: 1 })).toString('base64url'), s].join('.');
  };
  const cases = [
    { name: 'transaction', method: 'transaction', signed: sign(good, tx), ...sandbox, expect: 'OK' },
    { name: 'notification with its transaction and renewal info', method: 'notification', signed: sign(good, notification(good)), ...sandbox, expect: 'OK' },
    { name: 'renewal info', method: 'renewalInfo', signed: sign(good, ri), ...sandbox, expect: 'OK' },
    { name: 'app transaction', method: 'appTransaction', ...production, expect: 'OK',
      signed: sign(good, { receiptType: 'Production', appAppleId, bundleId, applicationVersion: '3', receiptCreationDate: now, originalPurchaseDate: now - YEAR, originalPlatform: 'iOS' }) },
    { name: 'realtime request', method: 'realtimeRequest', ...production, expect: 'OK',
      signed: sign(good, { originalTransactionId: '1000', appAppleId, productId: 'p', userLocale: 'de-DE', requestIdentifier: crypto.randomUUID(), environment: 'Production', signedDate: now }) },
    { name: 'summary notification', method: 'notification', ...production, expect: 'OK',
      signed: sign(good, { notificationType: 'RENEWAL_EXTENSION', subtype: 'SUMMARY', signedDate: now, summary: { environment: 'Production', appAppleId, bundleId, productId: 'p', requestIdentifier: 'r', storefrontCountryCodes: ['USA'], succeededCount: 3, failedCount: 0 } }) },
    { name: 'external purchase token in the sandbox', method: 'notification', ...sandbox, expect: 'OK',
      signed: sign(good, { notificationType: 'EXTERNAL_PURCHASE_TOKEN', subtype: 'UNREPORTED', signedDate: now, externalPurchaseToken: { externalPurchaseId: 'SANDBOX_x', tokenCreationDate: now, appAppleId, bundleId } }) },
    { name: 'leaf without its OID', method: 'transaction', signed: sign(chainUnder(root, { noLeafOID: true }), tx), ...sandbox, expect: 'VERIFICATION_FAILURE' },
    { name: 'intermediate without its OID', method: 'transaction', signed: sign(chainUnder(root, { noIntermediateOID: true }), tx), ...sandbox, expect: 'VERIFICATION_FAILURE' },
    { name: 'intermediate that is not a CA', method: 'transaction', signed: sign(chainUnder(root, { intermediateCA: false }), tx), ...sandbox, expect: 'VERIFICATION_FAILURE' },
    { name: 'chain to another root', method: 'transaction', signed: sign(chainUnder(other), tx), ...sandbox, expect: 'VERIFICATION_FAILURE' },
    { name: 'another root as x5c[2]', method: 'transaction', signed: sign(good, tx, { x5c: [good.x5c[0], good.x5c[1], other.cert] }), ...sandbox, expect: 'OK' },
    { name: 'leaf with the intermediate of another chain', method: 'transaction', signed: sign(good, tx, { x5c: [good.x5c[0], chainUnder(root).x5c[1], root.cert] }), ...sandbox, expect: 'VERIFICATION_FAILURE' },
    { name: 'expired leaf', method: 'transaction', signed: sign(chainUnder(root, { leafFrom: new Date(now - 3 * YEAR), leafUntil: new Date(now - YEAR) }), tx), ...sandbox, expect: 'INVALID_CERTIFICATE' },
    { name: 'expired leaf, signed while it was valid', method: 'transaction', ...sandbox, expect: 'OK',
      signed: sign(chainUnder(root, { leafFrom: new Date(now - 3 * YEAR), leafUntil: new Date(now - YEAR) }), { ...tx, signedDate: now - 2 * YEAR }) },
    { name: 'leaf not yet valid', method: 'transaction', signed: sign(chainUnder(root, { leafFrom: new Date(now + YEAR), leafUntil: new Date(now + 2 * YEAR) }), tx), ...sandbox, expect: 'INVALID_CERTIFICATE' },
    { name: 'chain of two', method: 'transaction', signed: sign(good, tx, { x5c: good.x5c.slice(0, 2) }), ...sandbox, expect: 'INVALID_CHAIN_LENGTH' },
    { name: 'chain of four', method: 'transaction', signed: sign(good, tx, { x5c: [...good.x5c, root.cert] }), ...sandbox, expect: 'INVALID_CHAIN_LENGTH' },
    { name: 'no x5c', method: 'transaction', signed: sign(good, tx, { x5c: null }), ...sandbox, expect: 'INVALID_CHAIN_LENGTH' },
    // Apple's Node library lets jsonwebtoken pick the algorithm from the
    // header and the key, so it accepts ES384; its Python, Java and Swift
    // libraries refuse any alg but ES256, and so does package appstore.
    { name: 'ES384 with a P-384 leaf', method: 'transaction', signed: sign(chainUnder(root, { leafCurve: 'secp384r1' }), tx, { algorithm: 'ES384' }), ...sandbox, expect: 'OK' },
    { name: 'payload changed after signing', method: 'transaction', signed: tampered(sign(good, tx)), ...sandbox, expect: 'VERIFICATION_FAILURE' },
    { name: 'signed by another key', method: 'transaction', signed: sign({ x5c: good.x5c, leafKeys: keyPair('prime256v1') }, tx), ...sandbox, expect: 'VERIFICATION_FAILURE' },
    { name: 'another bundle ID', method: 'transaction', signed: sign(good, tx), environment: 'Sandbox', bundleId: 'com.example.other', expect: 'INVALID_APP_IDENTIFIER' },
    { name: 'production verifier, sandbox transaction', method: 'transaction', signed: sign(good, tx), ...production, expect: 'INVALID_ENVIRONMENT' },
    { name: 'production notification for another App Apple ID', method: 'notification', ...production, appAppleId: 1, expect: 'INVALID_APP_IDENTIFIER',
      signed: sign(good, { notificationType: 'TEST', signedDate: now, data: { bundleId, appAppleId, environment: 'Production' } }) },
    { name: 'bundleId a number', method: 'transaction', signed: sign(good, { ...tx, bundleId: 7 }), ...sandbox, expect: 'FAILURE' },
  ];
  return { roots: [root.cert], cases };
}

async function main() {
  const mode = process.argv[2];
  let input;
  if (mode === 'make') {
    input = make();
  } else if (mode === 'verify') {
    input = JSON.parse(require('fs').readFileSync(0, 'utf8'));
  } else {
    throw new Error('usage: node appstore_verify.js make|verify');
  }
  const out = [];
  for (const c of input.cases) {
    out.push({ ...c, ...(await verdict(input.roots, c)) });
  }
  process.stdout.write(JSON.stringify(mode === 'make' ? { roots: input.roots, cases: out } : out));
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
