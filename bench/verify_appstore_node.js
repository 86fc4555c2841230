// Times Apple's App Store Server Library (Node) verifying the payloads the
// Go benchmarks in verify_appstore_test.go verify, for their impl=apple-node
// rows:
//
//   node verify_appstore_node.js payloads.json N
//     payloads.json: {"root": base64 DER, "bundleId", "environment",
//     "items": [{"method", "signed"}]}; verifies every item N times after
//     a warm-up and prints {"nsPerOp": ...}, the time for one round of items.
//
// Online checks are off, as in the Go benchmarks, so Apple's verifier
// checks the chain on every call (it caches verified chains only online).
// The library is the one conformance/node installs with npm ci.
'use strict';

const fs = require('fs');
const path = require('path');
const { SignedDataVerifier } = require(path.join(__dirname, '..', 'conformance', 'node', 'node_modules', '@apple', 'app-store-server-library'));

async function main() {
  const [file, n] = process.argv.slice(2);
  const input = JSON.parse(fs.readFileSync(file, 'utf8'));
  const rounds = Number(n);
  const verifier = new SignedDataVerifier([Buffer.from(input.root, 'base64')], false, input.environment, input.bundleId);
  const round = async () => {
    for (const item of input.items) {
      await verifier[item.method](item.signed);
    }
  };
  for (let i = 0; i < Math.min(200, Math.max(rounds, 20)); i++) {
    await round(); // warm-up: let V8 compile the verifier
  }
  const start = process.hrtime.bigint();
  for (let i = 0; i < rounds; i++) {
    await round();
  }
  const ns = Number(process.hrtime.bigint() - start);
  process.stdout.write(JSON.stringify({ nsPerOp: ns / rounds }));
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
