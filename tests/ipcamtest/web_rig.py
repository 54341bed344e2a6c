"""A Chromium (headless, driven by Selenium) pointed at ipcam-rtsp-server's
page and WHEP endpoint, on top of rtsp_rig's Rig (the emulator and the
server on ephemeral ports).

    with Rig(...) as rig, Browser() as b:
        b.open(rig.server.ready["web"])
        b.wait_js("return video_frames() > 30", 20, "the page playing")
"""

import base64
import http.client
import time

from selenium import webdriver
from selenium.webdriver.chrome.service import Service

# As root on loopback: no sandbox; 127.0.0.1 as a host candidate needs the
# mDNS hiding off, loopback allowed, and a media permission (without one
# Chromium offers only its default-route addresses).
CHROMIUM_FLAGS = [
    "--headless=new", "--no-sandbox", "--disable-features=WebRtcHideLocalIpsWithMdns",
    "--allow-loopback-in-peer-connection", "--autoplay-policy=no-user-gesture-required",
    "--use-fake-ui-for-media-stream", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
    "--window-size=1000,900",
]

# The test's own WHEP client (not the page's): POST an offer, play, DELETE.
WHEP_CLIENT_JS = """
window.whep = async function (url, token) {
  const pc = new RTCPeerConnection({bundlePolicy: 'max-bundle'});
  pc.addTransceiver('video', {direction: 'recvonly'});
  const video = document.createElement('video');
  video.muted = true; video.autoplay = true; video.playsInline = true;
  document.body.appendChild(video);
  pc.ontrack = (e) => { video.srcObject = e.streams[0] || new MediaStream([e.track]); };
  await pc.setLocalDescription(await pc.createOffer());
  await new Promise((ok) => {
    if (pc.iceGatheringState === 'complete') return ok();
    pc.addEventListener('icegatheringstatechange', () => pc.iceGatheringState === 'complete' && ok());
  });
  const headers = {'Content-Type': 'application/sdp'};
  if (token) headers['Authorization'] = 'Bearer ' + token;
  const r = await fetch(url, {method: 'POST', headers, body: pc.localDescription.sdp});
  const answer = await r.text();
  const session = {pc, video, status: r.status, location: r.headers.get('Location'), answer};
  window.sessions = (window.sessions || []).concat([session]);
  if (r.status !== 201) return {status: r.status, text: answer};
  await pc.setRemoteDescription({type: 'answer', sdp: answer});
  return {status: r.status, location: session.location, answer};
};
window.make_offer = async function () {
  const pc = new RTCPeerConnection({bundlePolicy: 'max-bundle'});
  pc.addTransceiver('video', {direction: 'recvonly'});
  await pc.setLocalDescription(await pc.createOffer());
  await new Promise((ok) => {
    if (pc.iceGatheringState === 'complete') return ok();
    pc.addEventListener('icegatheringstatechange', () => pc.iceGatheringState === 'complete' && ok());
  });
  return pc.localDescription.sdp;
};
window.frames_of = (i) => {
  const v = window.sessions[i].video;
  return v.getVideoPlaybackQuality ? v.getVideoPlaybackQuality().totalVideoFrames : 0;
};
window.whep_delete = async (i) => {
  const s = window.sessions[i];
  const r = await fetch(new URL(s.location, location.href), {method: 'DELETE'});
  s.pc.close();
  return r.status;
};
"""


def http_request(base, method, path, headers=None, body=None):
    """(status, headers, body) of one request to the server at `base`
    (http://HOST:PORT/), with exactly the headers given (Host included)."""
    host_port = base.split("//", 1)[1].rstrip("/")
    host, port = host_port.rsplit(":", 1)
    c = http.client.HTTPConnection(host, int(port), timeout=60)
    try:
        c.putrequest(method, path, skip_host=True, skip_accept_encoding=True)
        headers = dict(headers or {})
        headers.setdefault("Host", host_port)
        if body is not None:
            body = body.encode() if isinstance(body, str) else body
            headers["Content-Length"] = str(len(body))
        for k, v in headers.items():
            c.putheader(k, v)
        c.endheaders(body)
        r = c.getresponse()
        return r.status, {k.lower(): v for k, v in r.getheaders()}, r.read()
    finally:
        c.close()


class Browser:
    def __init__(self, log_dir=None):
        options = webdriver.ChromeOptions()
        options.binary_location = "/usr/bin/chromium"
        for flag in CHROMIUM_FLAGS:
            options.add_argument(flag)
        options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
        self.driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
        self.driver.set_script_timeout(60)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False

    def close(self):
        if self.driver:
            self.driver.quit()
            self.driver = None

    def open(self, url):
        self.driver.get(url)

    def js(self, script, *args):
        return self.driver.execute_script(script, *args)

    def js_async(self, script, *args):
        """`script` is an expression giving a promise; returns what it resolves to."""
        return self.driver.execute_async_script(
            "const done = arguments[arguments.length - 1];"
            "Promise.resolve().then(() => " + script + ").then(done, (e) => done({error: String(e)}));", *args)

    def wait_js(self, script, timeout, what):
        deadline = time.monotonic() + timeout
        last = None
        while time.monotonic() < deadline:
            last = self.js(script)
            if last:
                return last
            time.sleep(0.1)
        raise AssertionError("timed out waiting for %s (last: %r); console:\n%s" % (what, last, self.console()))

    def console(self):
        try:
            return "\n".join(e["message"] for e in self.driver.get_log("browser"))
        except Exception as e:  # noqa: BLE001 - the log is only for the failure text
            return "(no console log: %s)" % e

    def install_whep_client(self):
        self.js(WHEP_CLIENT_JS)

    def offer(self):
        """An SDP offer for receiving video, made by this browser."""
        return self.js_async("make_offer()")


# The video element's area of a screenshot, decoded by the browser itself:
# [darkest, brightest, mean] of the luma over that rectangle.
SCREENSHOT_LUMA_JS = """
const [png, rect, done] = arguments;
const img = new Image();
img.onload = () => {
  const c = document.createElement('canvas');
  c.width = img.width; c.height = img.height;
  const g = c.getContext('2d');
  g.drawImage(img, 0, 0);
  const d = g.getImageData(rect.x, rect.y, rect.width, rect.height).data;
  let lo = 255, hi = 0, sum = 0;
  for (let i = 0; i < d.length; i += 4) {
    const y = 0.299 * d[i] + 0.587 * d[i + 1] + 0.114 * d[i + 2];
    lo = Math.min(lo, y); hi = Math.max(hi, y); sum += y;
  }
  done([lo, hi, sum / (d.length / 4)]);
};
img.onerror = () => done(null);
img.src = 'data:image/png;base64,' + png;
"""


def video_luma(browser, element_id="video"):
    """[darkest, brightest, mean] luma of the element's area in a screenshot."""
    png = browser.driver.get_screenshot_as_base64()
    rect = browser.js("const r = document.getElementById(arguments[0]).getBoundingClientRect();"
                      "const k = window.devicePixelRatio;"
                      "return {x: Math.round(r.x * k), y: Math.round(r.y * k),"
                      " width: Math.round(r.width * k), height: Math.round(r.height * k)};", element_id)
    return browser.driver.execute_async_script(SCREENSHOT_LUMA_JS, png, rect)


PAGE_FRAMES_JS = "const v = document.getElementById('video');" \
                 "return v.getVideoPlaybackQuality().totalVideoFrames;"


def wait_page_playing(browser, frames=30, timeout=30):
    """Waits until the page's video has shown `frames` frames; returns its width."""
    browser.wait_js(PAGE_FRAMES_JS[:-1] + " >= %d;" % frames, timeout, "the page's video to play %d frames" % frames)
    return browser.js("return document.getElementById('video').videoWidth")


def fetch_bytes(browser, url):
    """What the browser's fetch() gets for `url` (from the open page's origin)."""
    got = browser.js_async(
        "fetch(arguments[0]).then((r) => r.arrayBuffer()).then((a) => {"
        "  const u = new Uint8Array(a); let s = '';"
        "  for (let i = 0; i < u.length; i += 8192) s += String.fromCharCode(...u.subarray(i, i + 8192));"
        "  return btoa(s); })", url)
    if not isinstance(got, str):
        raise AssertionError("fetch %s failed: %r; console:\n%s" % (url, got, browser.console()))
    return base64.b64decode(got)
