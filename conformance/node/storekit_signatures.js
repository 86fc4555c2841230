// Makes the signatures StoreKit takes with Apple's own App Store Server
// Library, for appstore_sign_test.go to compare with ascjwt's appstore.Signer.
//
// stdin: {"keyPEM", "keyId", "issuerId", "bundleId",
//         "v1": [{"productId", "offerId", "appAccountToken", "nonce", "timestamp", "ours"}],
//         "promotionalOffer": [{"productId", "offerId", "transactionId"?}],
//         "introductoryOfferEligibility": [{"productId", "allow", "transactionId"}],
//         "advancedCommerce": [{"request"}]}
// stdout: {"v1": [{"apple", "signedText", "oursVerifies"}],
//          "promotionalOffer": [jws], "introductoryOfferEligibility": [jws],
//          "advancedCommerce": [jws]}
//
// signedText is the exact text Apple's PromotionalOfferSignatureCreator
// signs, caught at crypto's Sign.update; oursVerifies says whether ascjwt's
// signature verifies over it with Node's crypto.
'use strict';

const crypto = require('crypto');
const {
  PromotionalOfferSignatureCreator,
  PromotionalOfferV2SignatureCreator,
  IntroductoryOfferEligibilitySignatureCreator,
  AdvancedCommerceInAppSignatureCreator,
} = require('@apple/app-store-server-library');

// Catch what Apple's code passes to Sign.update: the library calls
// crypto.createSign through the module object at each signature.
let caught = [];
const createSign = crypto.createSign;
crypto.createSign = function (algorithm, options) {
  const sign = createSign(algorithm, options);
  const update = sign.update.bind(sign);
  sign.update = function (data, encoding) {
    caught.push(Buffer.isBuffer(data) ? data : Buffer.from(data, encoding || 'utf8'));
    return update(data, encoding);
  };
  return sign;
};

const input = JSON.parse(require('fs').readFileSync(0, 'utf8'));
const { keyPEM, keyId, issuerId, bundleId } = input;
const publicKey = crypto.createPublicKey(keyPEM);

const v1 = new PromotionalOfferSignatureCreator(keyPEM, keyId, bundleId);
const promo = new PromotionalOfferV2SignatureCreator(keyPEM, keyId, issuerId, bundleId);
const intro = new IntroductoryOfferEligibilitySignatureCreator(keyPEM, keyId, issuerId, bundleId);
const commerce = new AdvancedCommerceInAppSignatureCreator(keyPEM, keyId, issuerId, bundleId);

const out = {
  v1: input.v1.map((c) => {
    caught = [];
    const apple = v1.createSignature(c.productId, c.offerId, c.appAccountToken, c.nonce, c.timestamp);
    const signed = Buffer.concat(caught);
    const oursVerifies = crypto.verify('sha256', signed, { key: publicKey, dsaEncoding: 'der' }, Buffer.from(c.ours, 'base64'));
    return { apple, signedText: signed.toString('utf8'), oursVerifies };
  }),
  promotionalOffer: input.promotionalOffer.map((c) => promo.createSignature(c.productId, c.offerId, c.transactionId)),
  introductoryOfferEligibility: input.introductoryOfferEligibility.map((c) => intro.createSignature(c.productId, c.allow, c.transactionId)),
  advancedCommerce: input.advancedCommerce.map((c) => commerce.createSignature(c.request)),
};
process.stdout.write(JSON.stringify(out));
