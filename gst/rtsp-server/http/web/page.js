// The control page: live view over WHEP, the camera's state, picture,
// recording, settings, the card's fill, files, of the camera picked (when the server has several,
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

// 2026-05-01 12:00, this browser's local time.
function shortDate(d) {
  const two = (n) => String(n).padStart(2, '0');
  return d.getFullYear() + '-' + two(d.getMonth() + 1) + '-' + two(d.getDate()) + ' ' + two(d.getHours()) + ':' +
    two(d.getMinutes());
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

// The camera's recording state: its settings block says it; while the
// stream runs that block is the one read at its login, so a recording
// this server started (or stopped) since is taken from the server.
let cameraRecording;
function showCameraRecording() {
  const on = recordingSince !== null || !!cameraRecording;
  $('s-recording').textContent = cameraRecording === undefined && recordingSince === null ? '–' :
    on ? 'yes' : 'no';
}

function showRecording() {
  const b = $('record');
  b.textContent = recordingSince !== null ? 'Stop recording' : 'Start recording';
  b.classList.toggle('recording', recordingSince !== null);
  $('record-state').textContent = recordingSince !== null ? 'recording ' + elapsed(Date.now() - recordingSince) : '';
  showCameraRecording();
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
    refreshStorage();
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
    if (!start) cameraRecording = 0;
    showRecording();
    if (!start) { refreshFiles(); refreshStorage(); }
    refreshSettings();
  } catch (e) {
    showError('recording: ' + e.message);
  } finally {
    b.disabled = false;
  }
}

// Newest first: by the camera's date where it gave one, else the camera's
// own list order (it appends), reversed.
function newestFirst(files) {
  return files.map((f, i) => [f, i]).sort(([a, i], [b, j]) => {
    const ta = a.modified ? Date.parse(a.modified) : null, tb = b.modified ? Date.parse(b.modified) : null;
    if (ta !== null && tb !== null && ta !== tb) return tb - ta;
    return j - i;
  }).map(([f]) => f);
}

// A camera path as a query value, its slashes kept: libsoup's Digest check
// refuses a request whose URI it reads back otherwise (%2F).
function pathQuery(path) {
  return 'path=' + encodeURIComponent(path).replace(/%2F/g, '/');
}

function fileUrl(path) {
  return here('/api/' + cameraPath + 'files/download?' + pathQuery(path));
}

// A delete button asks once more before it deletes.
function deleteButton(path) {
  const b = document.createElement('button');
  b.type = 'button';
  b.className = 'small delete';
  b.textContent = 'Delete';
  b.addEventListener('click', async () => {
    if (!b.classList.contains('armed')) {
      b.classList.add('armed');
      b.textContent = 'Delete it?';
      setTimeout(() => { b.classList.remove('armed'); b.textContent = 'Delete'; }, 4000);
      return;
    }
    b.disabled = true;
    showError('');
    try {
      const r = await api('files?' + pathQuery(path), {method: 'DELETE'});
      if (!r.ok) throw new Error(await errorText(r));
      refreshFiles();
      refreshStorage();
    } catch (e) {
      showError('delete: ' + e.message);
      b.disabled = false;
    }
  });
  return b;
}

// Photos' thumbnails: fetched (as the API calls are, so a login given to
// the page covers them) one at a time, only once their row shows in the
// list's box; the camera serves one request at a time anyway.
const thumbQueue = [];
let thumbBusy = false;
const thumbWatch = new IntersectionObserver((entries) => {
  for (const e of entries) {
    if (!e.isIntersecting) continue;
    thumbWatch.unobserve(e.target);
    thumbQueue.push(e.target.querySelector('img.thumb'));
  }
  nextThumb();
}, {root: document.querySelector('.file-box')});

async function nextThumb() {
  if (thumbBusy) return;
  const img = thumbQueue.shift();
  if (!img) return;
  thumbBusy = true;
  try {
    if (img.isConnected) {
      const r = await fetch(fileUrl(img.closest('tr').dataset.path));
      if (r.ok) img.src = URL.createObjectURL(await r.blob());
    }
  } catch (e) {
    // A thumbnail that does not come is no error of the page's.
  } finally {
    thumbBusy = false;
    nextThumb();
  }
}

async function refreshFiles() {
  try {
    const r = await api('files?dates=true');
    if (!r.ok) throw new Error(await errorText(r));
    const files = newestFirst(await r.json());
    const body = $('files');
    for (const row of body.rows) thumbWatch.unobserve(row);
    for (const img of body.querySelectorAll('img.thumb')) if (img.src) URL.revokeObjectURL(img.src);
    thumbQueue.length = 0;
    body.replaceChildren();
    for (const f of files) {
      const row = body.insertRow();
      row.dataset.path = f.path;
      row.dataset.kind = f.kind;
      const thumb = row.insertCell();
      if (f.kind === 'photo') {
        const img = document.createElement('img');
        img.className = 'thumb';
        img.alt = '';
        thumb.appendChild(img);
        thumbWatch.observe(row);  // an empty image has no size to watch
      }
      const a = document.createElement('a');
      a.href = fileUrl(f.path);
      a.textContent = f.path.split('/').pop();
      a.title = f.path;
      a.setAttribute('download', '');
      row.insertCell().appendChild(a);
      row.insertCell().textContent = f.kind;
      const date = row.insertCell();
      date.className = 'date';
      date.textContent = f.modified ? shortDate(new Date(f.modified)) : '–';
      const size = row.insertCell();
      size.className = 'size';
      size.textContent = humanSize(f.size);
      row.insertCell().appendChild(deleteButton(f.path));
    }
    $('files-note').textContent = files.length ? files.length + ' files' : 'no files';
  } catch (e) {
    $('files-note').textContent = 'files: ' + e.message;
  }
}

// ---- the card's fill
async function refreshStorage() {
  try {
    const r = await api('storage');
    if (!r.ok) throw new Error(await errorText(r));
    const s = await r.json();
    const used = Math.max(0, s.total - s.remaining);
    const percent = s.total ? Math.round(100 * used / s.total) : 0;
    $('card-fill').style.width = percent + '%';
    $('card-fill').classList.toggle('full', percent >= 95);
    $('card-bar').dataset.percent = percent;
    $('card-bar').title = percent + '% used';
    $('card-text').textContent = humanSize(s.remaining) + ' free of ' + humanSize(s.total);
  } catch (e) {
    $('card-text').textContent = 'card: ' + e.message;
  }
}

// ---- settings: one control per setting (a menu where the model's is
// known, else the index), write-only ones set-only, read-only ones shown.
function settingControl(name, value, menu) {
  if (menu) {
    const select = document.createElement('select');
    const known = Object.keys(menu).map(Number);
    if (value !== undefined && !known.includes(value)) known.push(value);
    for (const i of known.sort((a, b) => a - b)) {
      const o = document.createElement('option');
      o.value = i;
      o.textContent = menu[i] !== undefined ? i + ': ' + menu[i] : String(i);
      select.appendChild(o);
    }
    if (value !== undefined) select.value = value;
    return select;
  }
  const input = document.createElement('input');
  input.type = 'number';
  input.min = 0;
  input.step = 1;
  if (value !== undefined) input.value = value;
  else input.placeholder = 'index';
  return input;
}

// What the last set of each setting did: [text, class], kept across a redraw.
const outcomes = {};

function showOutcome(name, text, kind) {
  outcomes[name] = [text, kind];
  const span = $('outcome-' + name);
  if (span) { span.textContent = text; span.className = kind; }
}

async function setSetting(name, control) {
  const index = parseInt(control.value, 10);
  if (Number.isNaN(index)) { showOutcome(name, 'give an index', 'outcome-refused'); return; }
  showOutcome(name, '…', '');
  try {
    const r = await api('settings', {method: 'POST', headers: {'Content-Type': 'application/json'},
                                     body: JSON.stringify({[name]: index})});
    if (!r.ok) throw new Error(await errorText(r));
    const res = (await r.json()).results[0];
    showOutcome(name, res.outcome + (res.outcome === 'refused' ? ' (' + res.result + ')' : ''),
                'outcome-' + res.outcome);
    if (res.value !== null) refreshSettings();
  } catch (e) {
    showOutcome(name, e.message, 'outcome-refused');
  }
}

async function refreshSettings() {
  try {
    const asked = cameraPath;
    const r = await api('settings');
    if (!r.ok) throw new Error(await errorText(r));
    const s = await r.json();
    if (asked !== cameraPath) return;
    const labels = s.labels || {}, menus = s.menus || {};
    const names = Object.keys(s.settings);
    for (const w of s.writable || []) if (!names.includes(w)) names.push(w);
    const body = $('settings');
    body.replaceChildren();
    for (const name of names) {
      const value = s.settings[name];
      const writable = (s.writable || []).includes(name);
      const row = body.insertRow();
      row.dataset.setting = name;
      row.insertCell().textContent = name;
      const now = row.insertCell();
      now.id = 'now-' + name;
      now.textContent = value === undefined ? 'set only' : value + (labels[name] ? ': ' + labels[name] : '');
      const cell = row.insertCell(), action = row.insertCell();
      if (!writable) { cell.textContent = 'read only'; continue; }
      const control = settingControl(name, value, menus[name]);
      control.id = 'set-' + name;
      cell.appendChild(control);
      const b = document.createElement('button');
      b.type = 'button';
      b.className = 'small';
      b.id = 'apply-' + name;
      b.textContent = 'Set';
      const outcome = document.createElement('span');
      outcome.id = 'outcome-' + name;
      [outcome.textContent, outcome.className] = outcomes[name] || ['', ''];
      b.addEventListener('click', () => setSetting(name, control));
      action.append(b, ' ', outcome);
    }
    cameraRecording = s.settings.recording;
    showCameraRecording();
    $('settings-note').textContent = 'firmware ' + s.firmware + ', ' + s.layout + '-byte settings block';
  } catch (e) {
    $('settings-note').textContent = 'settings: ' + e.message;
  }
}

// ---- the cameras of the server: a list to pick from when there are several
async function pick(name) {
  cameraPath = name ? 'cameras/' + encodeURIComponent(name) + '/' : '';
  whepUrl = null;
  previewFrames = null;
  recordingSince = null;
  cameraRecording = undefined;
  $('still-box').hidden = true;
  stopPlaying();
  $('video').srcObject = null;
  await refreshStatus();
  play();
  refreshFiles();
  refreshStorage();
  refreshSettings();
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
$('refresh').addEventListener('click', () => { refreshFiles(); refreshStorage(); });
$('settings-refresh').addEventListener('click', refreshSettings);
$('fullscreen').addEventListener('click', () => {
  const v = $('video');
  if (document.fullscreenElement) document.exitFullscreen();
  else (v.requestFullscreen || v.webkitRequestFullscreen).call(v);
});
setInterval(refreshStatus, 1000);
setInterval(showRecording, 1000);
listCameras().then((name) => pick(name || ''));
