// The page's archive box: the server's own recording of the camera picked
// (docs/archive.md), its state and its segments, newest first, each a
// download. A camera without --archive has no box. It reads page.js's
// api(), here(), cameraPath and humanSize() (loaded first).
'use strict';

// "14:03:09" of an ISO 8601 time, as the server's clock wrote it.
function clockOf(iso) {
  return iso ? iso.slice(11, 19) : 'writing';
}

function archiveRow(body, s) {
  const row = body.insertRow();
  row.dataset.path = s.path;
  const a = document.createElement('a');
  a.href = here('/api/' + cameraPath + 'archive/download?path=' + encodeURIComponent(s.path).replace(/%2F/g, '/'));
  a.textContent = s.start.slice(0, 10) + ' ' + clockOf(s.start);
  a.title = s.path;
  a.setAttribute('download', '');
  row.insertCell().appendChild(a);
  const end = row.insertCell();
  end.textContent = clockOf(s.end);
  if (!s.end) end.className = 'writing';
  row.insertCell().textContent = s.frames;
  const size = row.insertCell();
  size.className = 'size';
  size.textContent = humanSize(s.bytes);
}

async function refreshArchive() {
  const asked = cameraPath;
  try {
    const r = await api('archive');
    if (asked !== cameraPath) return;
    if (r.status === 404) {
      $('archive-box').hidden = true;
      return;
    }
    if (!r.ok) throw new Error(await errorText(r));
    const a = await r.json();
    $('archive-box').hidden = false;
    $('archive-state').textContent = a.state;
    $('archive-state').className = 'badge ' + (a.state === 'writing' ? 'on' : a.state === 'failed' ? 'failed' : 'off');
    const bytes = a.segments.reduce((n, s) => n + s.bytes, 0);
    let note = a.segments.length + ' segments, ' + humanSize(bytes) + ' in ' + a.dir;
    if (a.error) note = a.error + ' — ' + note;
    if (a.dropped_gops) note += '; ' + a.dropped_gops + ' groups of pictures lost (the disk fell behind)';
    $('archive-note').textContent = note;
    const body = $('archive');
    body.replaceChildren();
    for (const s of a.segments.slice().reverse()) archiveRow(body, s);
  } catch (e) {
    $('archive-note').textContent = 'archive: ' + e.message;
  }
}

$('camera').addEventListener('change', () => setTimeout(refreshArchive, 0));
$('archive-refresh').addEventListener('click', refreshArchive);
setInterval(refreshArchive, 5000);
refreshArchive();
