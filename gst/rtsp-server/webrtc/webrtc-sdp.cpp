// SDP and H.264 helpers for the WebRTC answer: see webrtc-sdp.h.
#include "webrtc/webrtc-sdp.h"

#include "ipcam/h264.h"

#include <cstdlib>
#include <cstring>

namespace ipcam::server {

std::string sps_profile_level_id(GstBuffer *access_unit) {
  GstMapInfo map;
  if (!access_unit || !gst_buffer_map(access_unit, &map, GST_MAP_READ)) return {};
  std::string out;
  // profile_idc, the constraint flags and level_idc: the SPS's first three
  // bytes after its header, as SDP's profile-level-id writes them.
  h264::NalReader reader(ByteView(map.data, map.size));
  for (h264::NalUnit nal; out.empty() && reader.next(nal);) {
    if (nal.type != h264::kNalSps || nal.end - nal.header < 4) continue;
    const guint8 *p = map.data + nal.header + 1;
    char hex[8];
    g_snprintf(hex, sizeof hex, "%02x%02x%02x", p[0], p[1], p[2]);
    out = hex;
  }
  gst_buffer_unmap(access_unit, &map);
  return out;
}

namespace {

// The value of `key` in an fmtp parameter list ("a=1;b=2"), or "".
std::string fmtp_value(const char *params, const char *key) {
  g_auto(GStrv) parts = g_strsplit(params, ";", -1);
  for (GStrv p = parts; *p; p++) {
    g_autofree char *item = g_strstrip(g_strdup(*p));
    const size_t n = strlen(key);
    if (!g_ascii_strncasecmp(item, key, n) && item[n] == '=') return item + n + 1;
  }
  return {};
}

// "PT rest" attributes: the rest, for payload type `pt`.
const char *attribute_for(const GstSDPMedia *media, const char *name, int pt) {
  for (guint i = 0; i < gst_sdp_media_attributes_len(media); i++) {
    const GstSDPAttribute *a = gst_sdp_media_get_attribute(media, i);
    if (g_strcmp0(a->key, name) || !a->value) continue;
    char *end = nullptr;
    long v = strtol(a->value, &end, 10);
    if (end != a->value && v == pt && *end == ' ') return end + 1;
  }
  return nullptr;
}

int match_score(const std::string &offered, const std::string &camera) {
  if (offered.size() != 6) return 0;
  if (camera.size() != 6) return 1;
  if (g_ascii_strncasecmp(offered.c_str(), camera.c_str(), 2)) return 0;
  return g_ascii_strncasecmp(offered.c_str(), camera.c_str(), 4) ? 1 : 2;
}

}  // namespace

int choose_h264_payload(const GstSDPMessage *offer, const std::string &camera) {
  for (guint m = 0; m < gst_sdp_message_medias_len(offer); m++) {
    const GstSDPMedia *media = gst_sdp_message_get_media(offer, m);
    if (g_strcmp0(gst_sdp_media_get_media(media), "video")) continue;
    int best = -1, best_score = 0;
    for (guint f = 0; f < gst_sdp_media_formats_len(media); f++) {
      const int pt = atoi(gst_sdp_media_get_format(media, f));
      if (pt < 96 || pt > 127) continue;  // H.264 has a dynamic payload type, 7 bits on the wire
      const char *rtpmap = attribute_for(media, "rtpmap", pt);
      const char *fmtp = attribute_for(media, "fmtp", pt);
      if (!rtpmap || g_ascii_strncasecmp(rtpmap, "H264/90000", 10) || !fmtp) continue;
      if (fmtp_value(fmtp, "packetization-mode") != "1") continue;
      const int score = match_score(fmtp_value(fmtp, "profile-level-id"), camera);
      if (score > best_score) best = pt, best_score = score;
    }
    return best;
  }
  return -1;
}

unsigned candidate_count(const GstSDPMessage *sdp) {
  if (gst_sdp_message_medias_len(sdp) == 0) return 0;
  const GstSDPMedia *media = gst_sdp_message_get_media(sdp, 0);
  unsigned n = 0;
  for (guint i = 0; i < gst_sdp_media_attributes_len(media); i++)
    if (!g_strcmp0(gst_sdp_media_get_attribute(media, i)->key, "candidate")) n++;
  return n;
}

void add_candidates(GstSDPMessage *answer, const std::vector<std::string> &candidates) {
  if (gst_sdp_message_medias_len(answer) == 0) return;
  auto *media = const_cast<GstSDPMedia *>(gst_sdp_message_get_media(answer, 0));
  if (candidate_count(answer) == 0)
    for (const auto &c : candidates)
      gst_sdp_media_add_attribute(media, "candidate", c.c_str() + (c.rfind("candidate:", 0) == 0 ? 10 : 0));
  if (!gst_sdp_media_get_attribute_val(media, "end-of-candidates"))
    gst_sdp_media_add_attribute(media, "end-of-candidates", nullptr);
}

}  // namespace ipcam::server
