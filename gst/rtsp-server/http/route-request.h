// One request as the route table hands it to its handler: what is served,
// the message, its query, and the placeholders' values of the row's
// pattern ({camera}, and {session} or {file}).
#pragma once

#include "http/routes.h"

#include <libsoup/soup.h>

#include <string>

namespace ipcam::server {

struct Request {
  const Served &served;
  SoupServerMessage *msg;
  GHashTable *query;
  Camera *camera = nullptr;  // {camera}
  std::string rest;          // {session}, {file}
};

using Handler = void (*)(Request &);

// The camera's settings, card and clock (camera-routes.cpp).
void get_settings(Request &r);
void post_settings(Request &r);
void get_storage(Request &r);
void delete_file(Request &r);
void set_clock(Request &r);
void format_card(Request &r);

}  // namespace ipcam::server
