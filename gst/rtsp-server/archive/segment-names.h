// Where an archive segment lives and what its name says.
//
// A segment is DIR/NAME/YYYY-MM-DD/HH-MM-SS±ZZZZ.mp4: the local date and
// time of its first frame with the UTC offset then in force, so that names
// stay unique and in order when the clock goes back an hour in autumn.
// Two segments that begin in the same second (a camera lost and back at
// once) get -2, -3... before ".mp4". Only names of this shape, in a day
// folder of this shape, are the archive's: nothing else under DIR/NAME is
// ever listed, served or deleted.
#pragma once

#include <glib.h>

#include <string>

namespace ipcam::server {

// The folder and file name of a segment that starts at `unix_us` (in
// `zone`, default local time), relative to DIR/NAME:
// "2026-12-07/14-03-09+0100.mp4". `serial` above 1 adds "-N".
std::string segment_path(gint64 unix_us, unsigned serial = 1, GTimeZone *zone = nullptr);

// Whether `day` is a day folder's name (YYYY-MM-DD).
bool is_day_folder(const std::string &day);
// Whether `relative` is DAY/FILE with both of the archive's shapes (no
// other character, no other depth): the only paths served or deleted.
bool is_segment_path(const std::string &relative);

// The start of the segment at `relative` (is_segment_path()), as a
// GDateTime in its own offset; nullptr if the name is not a real time.
GDateTime *segment_start(const std::string &relative);

// ISO 8601 with the offset: "2026-12-07T14:03:09+01:00"; with
// `millis`, ".123" after the seconds.
std::string iso8601(GDateTime *t, bool millis = false);

}  // namespace ipcam::server
