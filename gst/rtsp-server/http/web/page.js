// The control page: live view over WHEP, the camera's state, picture,
// recording, files, of the camera picked (when the server has several,
// from /api/cameras; #NAME in the address picks one). Everything it uses
// is this server's own /api/ and /whep/: see docs/web.md.
'use strict';

const $ = (id) => document.getElementById(id);
// URLs from the origin, not the document's URL: a page opened as
// http://user:password@host/ must not fetch URLs with credentials in them.
const here = (path) => new URL(path, location.origin).href;
let cameraPath = '';  // '' = the default camera at /api/, or 'cameras/NAME/'
const api = (path, options) => fetch(here('/api/' + cameraPath + path), options);
let whepUrl = null;
let recordingSince = null;  // Date.now() at the start, or null
let previewFrames = null;
let previewAt = 0;

function showError(text) { $('error').textContent = text || ''; }

async function errorText(r) {
  try { const j = await r.json(); return j.error || r.statusText; } catch (e) { return r.statusText; }
}

function humanSize(n) {
  const units = ['B', 'KB', 'MB', 'GB'];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) { n /= 1024; i++; }
  return (i ? n.toFixed(1) : n) + ' ' + units[i];
}

function elapsed(ms) {
  const s = Math.floor(ms / 1000);
  const mm = String(Math.floor(s / 60) % 60).padStart(2, '0'), ss = String(s % 60).padStart(2, '0');
  return (s >= 3600 ? Math.floor(s / 3600) + ':' : '') + mm + ':' + ss;
}

// ---- live view (WHEP: one offer with every candidate, one answer)
let pc = null, session = null;

async function play() {
  if (!whepUrl) return;
  stopPlaying();
  const peer = new RTCPeerConnection({bundlePolicy: 'max-bundle'});
  pc = peer;
  peer.addTransceiver('video', {direction: 'recvonly'});
  peer.ontrack = (e) => { $('video').srcObject = e.streams[0] || new MediaStream([e.track]); };
  peer.onconnectionstatechange = () => {
    const state = peer.connectionState;
    $('view-note').textContent = state === 'connected' ? '' : 'live view: ' + state;
    if ((state === 'failed' || state === 'disconnected') && pc === peer) setTimeout(play, 2000);
  };
  try {
    await peer.setLocalDescription(await peer.createOffer());
    await new Promise((ok) => {
      if (peer.iceGatheringState === 'complete') return ok();
      peer.addEventListener('icegatheringstatechange', () => peer.iceGatheringState === 'complete' && ok());
      setTimeout(ok, 3000);
    });
    const r = await fetch(whepUrl, {method: 'POST', headers: {'Content-Type': 'application/sdp'},
                                    body: peer.localDescription.sdp});
    const text = await r.text();
    if (r.status !== 201) throw new Error(text.trim() || r.statusText);
    session = here(r.headers.get('Location'));
    await peer.setRemoteDescription({type: 'answer', sdp: text});
  } catch (e) {
    $('view-note').textContent = 'live view: ' + e.message + ' (trying again)';
    if (pc === peer) setTimeout(play, 3000);
  }
}

function stopPlaying() {
  if (session) fetch(session, {method: 'DELETE', keepalive: true}).catch(() => {});
  session = null;
  if (pc) pc.close();
  pc = null;
}
window.addEventListener('pagehide', stopPlaying);

// ---- the camera's state
async function refreshStatus() {
  try {
    const asked = cameraPath;
    const r = await api('status');
    if (!r.ok) throw new Error(await errorText(r));
    const s = await r.json();
    if (asked !== cameraPath) return;  // another camera was picked meanwhile
    const stats = s.stats || {};
    const connected = !!(s.camera && s.camera.connected);
    $('live').textContent = connected ? 'camera connected' : 'camera idle';
    $('live').className = 'badge ' + (connected ? 'on' : 'off');
    $('s-connected').textContent = connected ? 'yes' : 'no';
    const now = performance.now();
    if (typeof stats.frames === 'number') {
      if (previewFrames !== null && stats.frames >= previewFrames && now > previewAt)
        $('s-fps').textContent = ((stats.frames - previewFrames) * 1000 / (now - previewAt)).toFixed(1);
      previewFrames = stats.frames; previewAt = now;
    } else {
      $('s-fps').textContent = '–'; previewFrames = null;
    }
    $('s-lost').textContent = stats.lost ?? '–';
    $('s-reconnects').textContent = stats.reconnects ?? '–';
    $('s-viewers').textContent = s.viewers + ' (' + (s.webrtc_viewers || 0) + ' in browsers)';
    $('s-firmware').textContent = (s.camera && s.camera.firmware) || 'unknown';
    $('s-serial').textContent = (s.camera && s.camera.serial) || 'unknown';
    whepUrl = whepUrl || here(new URL(s.whep).pathname);
    recordingSince = s.recording ? (recordingSince ?? Date.now() - 1000 * (s.recording_seconds || 0)) : null;
    showRecording();
  } catch (e) {
    $('live').textContent = 'server unreachable';
    $('live').className = 'badge off';
  }
}

function showRecording() {
  const b = $('record');
  b.textContent = recordingSince !== null ? 'Stop recording' : 'Start recording';
  b.classList.toggle('recording', recordingSince !== null);
  $('record-state').textContent = recordingSince !== null ? 'recording ' + elapsed(Date.now() - recordingSince) : '';
}

// ---- picture, recording, files
async function snapshot() {
  const b = $('snapshot');
  b.disabled = true;
  showError('');
  try {
    const r = await api('still', {method: 'POST'});
    if (!r.ok) throw new Error(await errorText(r));
    const url = URL.createObjectURL(await r.blob());
    const path = r.headers.get('X-Ipcam-Path') || 'still.jpg';
    await refreshFiles();  // the new picture is listed by the time it is shown
    $('still').src = url;
    $('still-save').href = url;
    $('still-save').download = path.split('/').pop();
    $('still-box').hidden = false;
  } catch (e) {
    showError('picture: ' + e.message);
  } finally {
    b.disabled = false;
  }
}

async function toggleRecording() {
  const b = $('record');
  const start = recordingSince === null;
  b.disabled = true;
  showError('');
  try {
    const r = await api(start ? 'record/start' : 'record/stop', {method: 'POST'});
    if (!r.ok) throw new Error(await errorText(r));
    recordingSince = start ? Date.now() : null;
    showRecording();
    if (!start) refreshFiles();
  } catch (e) {
    showError('recording: ' + e.message);
  } finally {
    b.disabled = false;
  }
}

async function refreshFiles() {
  try {
    const r = await api('files');
    if (!r.ok) throw new Error(await errorText(r));
    const files = await r.json();
    const body = $('files');
    body.replaceChildren();
    for (const f of files) {
      const row = body.insertRow();
      const a = document.createElement('a');
      a.href = here('/api/' + cameraPath + 'files/download?path=' + encodeURIComponent(f.path));
      a.textContent = f.path.split('/').pop();
      a.title = f.path;
      a.setAttribute('download', '');
      row.insertCell().appendChild(a);
      row.insertCell().textContent = humanSize(f.size);
    }
    $('files-note').textContent = files.length ? '' : 'no files';
  } catch (e) {
    $('files-note').textContent = 'files: ' + e.message;
  }
}

// ---- the cameras of the server: a list to pick from when there are several
async function pick(name) {
  cameraPath = name ? 'cameras/' + encodeURIComponent(name) + '/' : '';
  whepUrl = null;
  previewFrames = null;
  recordingSince = null;
  $('still-box').hidden = true;
  stopPlaying();
  $('video').srcObject = null;
  await refreshStatus();
  play();
  refreshFiles();
}

async function listCameras() {
  try {
    const r = await fetch(here('/api/cameras'));
    if (!r.ok) return null;
    const list = await r.json();
    const select = $('camera');
    select.replaceChildren();
    for (const c of list.cameras) {
      const o = document.createElement('option');
      o.value = c.name;
      o.textContent = c.name + ' (' + c.address + ')';
      select.appendChild(o);
    }
    $('camera-pick').hidden = list.cameras.length < 2;
    const wanted = decodeURIComponent(location.hash.slice(1));
    const chosen = list.cameras.some((c) => c.name === wanted) ? wanted : list.default;
    select.value = chosen;
    return chosen === list.default ? '' : chosen;
  } catch (e) {
    return null;
  }
}

$('camera').addEventListener('change', () => {
  history.replaceState(null, '', '#' + encodeURIComponent($('camera').value));
  pick($('camera').value);
});
$('snapshot').addEventListener('click', snapshot);
$('record').addEventListener('click', toggleRecording);
$('refresh').addEventListener('click', refreshFiles);
setInterval(refreshStatus, 1000);
setInterval(showRecording, 1000);
listCameras().then((name) => pick(name || ''));
