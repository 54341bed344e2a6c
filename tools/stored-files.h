// Listing and fetching stored files, shared by ls, fetch and still --fetch.
#pragma once

#include "cli.h"
#include "ipcam/filelist.h"

#include <string>
#include <vector>

namespace ipcam::cli {

// The camera's file list (directly, or through --server). `camera_address`
// receives the camera's address for HTTP downloads (empty with --server).
bool list_files(Context &ctx, std::vector<FileEntry> &files, std::string &camera_address,
                Failure &failure);

// {"path", "size"} and, when given, "local": one file in --json output.
void add_file_json(JsonBuilder *b, const FileEntry &f, const std::string *local = nullptr);

// Downloads `files` into `dir`, printing each local path (or one JSON
// array). Returns the exit code.
int fetch_files(Context &ctx, const std::string &camera_address,
                const std::vector<FileEntry> &files, const std::string &dir, bool resume);

}  // namespace ipcam::cli
