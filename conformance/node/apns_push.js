// Sends pushes with @parse/node-apn, as a Node server does, and prints what
// node-apn reports as one JSON object on stdout. The Go tests of the
// conformance module run it against apnstest on loopback:
//
//   node apns_push.js <<< '{"address":"127.0.0.1","port":PORT,"caFile":"...","keyFile":"...",
//                           "keyId":"...","teamId":"...","topic":"...","devices":["..."],
//                           "pushType":"alert","payloadBytes":0,"rounds":1}'
//
// Each round sends one notification to every device; the output is
// {"rounds":[{"sent":[device...],"failed":[{device,status,reason,timestamp,error}]}]}.
'use strict';

const apn = require('@parse/node-apn');

async function main() {
  const opts = JSON.parse(require('fs').readFileSync(0, 'utf8'));
  const provider = new apn.Provider({
    token: { key: opts.keyFile, keyId: opts.keyId, teamId: opts.teamId },
    address: opts.address, // the fake's host; not Apple's, so production is false
    port: Number(opts.port), // the fake's port: node-apn hands it to the TLS connection, where it wins over the URL's
    ca: opts.caFile,
    connectionRetryLimit: 0,
    requestTimeout: 10000,
  });
  const rounds = [];
  try {
    for (let i = 0; i < (opts.rounds || 1); i++) {
      const note = new apn.Notification();
      note.topic = opts.topic;
      note.pushType = opts.pushType || 'alert';
      if (opts.payloadBytes) {
        note.rawPayload = { aps: { 'content-available': 1 }, pad: 'x'.repeat(opts.payloadBytes - 40) };
      } else {
        note.alert = 'Hello from node-apn ' + i;
      }
      const result = await provider.send(note, opts.devices);
      rounds.push({
        sent: result.sent.map(s => s.device),
        failed: result.failed.map(f => ({
          device: f.device,
          status: f.status ? Number(f.status) : 0,
          reason: f.response ? f.response.reason : '',
          timestamp: f.response && f.response.timestamp ? f.response.timestamp : 0,
          error: f.error ? String(f.error.message || f.error) : '',
        })),
      });
    }
  } finally {
    await provider.shutdown();
  }
  process.stdout.write(JSON.stringify({ rounds }) + '\n');
}

main().catch(err => {
  process.stderr.write('apns_push.js: ' + (err && err.stack ? err.stack : String(err)) + '\n');
  process.exit(1);
});
