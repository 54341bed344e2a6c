// Drives the npm `onvif` package (0.8.3), an ONVIF client nobody here
// wrote, as a user's program would; prints one JSON line for the test.
//
//   node onvif_client.js probe TIMEOUT_MS
//     -> {"found": [{"urn", "xaddrs", "from"}], "errors": [...]}
//   node onvif_client.js camera HOST PORT [USER PASSWORD]
//     -> {"information", "profiles", "stream_uri", "snapshot_uri"} or {"error", "stage"}
// Node 18 (Debian 12) and later; NODE_PATH names the installed packages.
'use strict';

const onvif = require('onvif');

function done(result, code) {
  process.stdout.write(JSON.stringify(result) + '\n', () => process.exit(code));
}

function probe(timeoutMs) {
  const found = [];
  const errors = [];
  // Without a listener an 'error' event (any datagram that is not a
  // ProbeMatch, such as another device's Hello) would end the program.
  onvif.Discovery.on('error', (err) => errors.push(String(err)));
  onvif.Discovery.on('device', (data, rinfo) => {
    const match = data.probeMatches.probeMatch;
    found.push({urn: match.endpointReference.address, xaddrs: String(match.XAddrs).split(' '), from: rinfo.address});
  });
  onvif.Discovery.probe({timeout: timeoutMs, resolve: false}, () => done({found, errors}, 0));
}

function camera(host, port, user, password) {
  let stage = 'connect';
  const fail = (err) => done({error: String(err && err.message ? err.message : err), stage}, 1);
  const cam = new onvif.Cam({hostname: host, port: Number(port), username: user, password: password, timeout: 10000},
    (err) => {
      if (err) return fail(err);
      stage = 'getDeviceInformation';
      cam.getDeviceInformation((err, information) => {
        if (err) return fail(err);
        const profiles = (cam.profiles || []).map((p) => ({
          token: p.$.token, name: p.name,
          encoding: p.videoEncoderConfiguration && p.videoEncoderConfiguration.encoding,
          width: p.videoEncoderConfiguration && p.videoEncoderConfiguration.resolution.width,
          height: p.videoEncoderConfiguration && p.videoEncoderConfiguration.resolution.height,
        }));
        if (!profiles.length) return fail('no profiles');
        const token = profiles[0].token;
        stage = 'getStreamUri';
        cam.getStreamUri({protocol: 'RTSP', profileToken: token}, (err, stream) => {
          if (err) return fail(err);
          stage = 'getSnapshotUri';
          cam.getSnapshotUri({profileToken: token}, (err, snapshot) => {
            if (err) return fail(err);
            done({information, profiles, stream_uri: stream.uri, snapshot_uri: snapshot.uri}, 0);
          });
        });
      });
    });
}

const [what, ...args] = process.argv.slice(2);
if (what === 'probe') probe(Number(args[0] || 2000));
else if (what === 'camera') camera(...args);
else done({error: 'usage: onvif_client.js probe TIMEOUT_MS | camera HOST PORT [USER PASSWORD]'}, 2);
