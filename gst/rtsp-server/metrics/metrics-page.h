// The page GET /metrics answers: every served camera's figures (label
// `camera`) and the process's, in Prometheus's text format. The names
// and what each means are in docs/rtsp-server.md ("Metrics"); counters
// (_total) only grow while the server runs, whatever the camera does.
#pragma once

#include "camera/camera-status.h"
#include "http/route-request.h"
#include "metrics/process-figures.h"

#include <string>
#include <vector>

namespace ipcam::server {

// The page's text, from statuses read on the main thread.
std::string metrics_page(const std::vector<CameraStatus> &cameras, const ProcessFigures &process);

// The route table's handler (main thread): reads every camera's status
// and /proc, and answers with the page.
void serve_metrics(Request &r);

}  // namespace ipcam::server
