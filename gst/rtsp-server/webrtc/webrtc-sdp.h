// The SDP and H.264 details of answering a browser's WebRTC offer.
#pragma once

#include <gst/gst.h>
#include <gst/sdp/sdp.h>

#include <string>
#include <vector>

namespace ipcam::server {

// The camera's profile-level-id ("42e01f"): the three bytes after the SPS
// NAL header in a keyframe access unit (byte-stream). Empty without SPS.
std::string sps_profile_level_id(GstBuffer *access_unit);

// The payload type of the offer's first video H.264 entry with
// packetization-mode=1 whose profile matches `camera` (same profile_idc
// and constraint flags first, then the same profile_idc; the level does
// not matter: the browser decodes what it offered), or -1. An empty
// `camera` takes any packetization-mode=1 H.264 entry. Only dynamic
// payload types (96-127) count: anything else is not H.264 on the wire.
int choose_h264_payload(const GstSDPMessage *offer, const std::string &camera);

// Adds "a=candidate" lines (each "candidate:...") to the first media when
// it has none, and a=end-of-candidates: the answer carries every candidate.
void add_candidates(GstSDPMessage *answer, const std::vector<std::string> &candidates);

// How many a=candidate lines the first media has.
unsigned candidate_count(const GstSDPMessage *sdp);

}  // namespace ipcam::server
