// Drives the npm `node-onvif` package (0.1.7), a second ONVIF client
// nobody here wrote, independent of the `onvif` package; one JSON line.
//
//   node node_onvif_client.js probe
//     -> {"found": [{"urn", "xaddrs", "scopes", "name"}]}
//   node node_onvif_client.js camera XADDR [USER PASSWORD]
//     -> {"information", "profile", "stream_uri", "snapshot_uri", "snapshot_bytes", "snapshot_type"} or {"error"}
'use strict';

const onvif = require('node-onvif');

function done(result, code) {
  process.stdout.write(JSON.stringify(result) + '\n', () => process.exit(code));
}

const fail = (err) => done({error: String(err && err.message ? err.message : err)}, 1);

function probe() {
  // Its fixed wait is 3 s after the last probe; the test's network answers in milliseconds.
  onvif._DISCOVERY_WAIT = 1500;
  onvif.startProbe().then((list) => done({found: list.map((d) => ({
    urn: d.urn, xaddrs: d.xaddrs, scopes: d.scopes, name: d.name}))}, 0)).catch(fail);
}

function camera(xaddr, user, password) {
  const device = new onvif.OnvifDevice({xaddr, user, pass: password});
  device.init().then((information) => {
    const profile = device.getCurrentProfile();
    device.fetchSnapshot().then((snapshot) => done({
      information,
      profile: {token: profile.token, name: profile.name, encoding: profile.video.encoder.encoding,
                width: profile.video.encoder.resolution.width, height: profile.video.encoder.resolution.height},
      stream_uri: profile.stream.rtsp, snapshot_uri: profile.snapshot,
      snapshot_bytes: snapshot.body.length, snapshot_type: snapshot.headers['content-type'],
      snapshot_base64: snapshot.body.toString('base64'),
    }, 0)).catch(fail);
  }).catch(fail);
}

const [what, ...args] = process.argv.slice(2);
if (what === 'probe') probe();
else if (what === 'camera') camera(...args);
else done({error: 'usage: node_onvif_client.js probe | camera XADDR [USER PASSWORD]'}, 2);
