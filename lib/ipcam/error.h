// Error domain shared by every part of libipcam.
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define IPCAM_ERROR (ipcam_error_quark())
GQuark ipcam_error_quark(void);

/**
 * IpcamError:
 * Codes of the IPCAM_ERROR domain. Messages are written for a person: they
 * name the problem and the next step.
 */
typedef enum {
  IPCAM_ERROR_FAILED,           /* anything else */
  IPCAM_ERROR_INVALID_ARGUMENT, /* caller passed something unusable (e.g. a user name over 63 bytes) */
  IPCAM_ERROR_CANNOT_CONNECT,   /* TCP connect refused or unreachable */
  IPCAM_ERROR_TIMEOUT,          /* no answer within the timeout */
  IPCAM_ERROR_NOT_IPCAM,        /* peer answered with bytes that are not this protocol */
  IPCAM_ERROR_LOGIN_REFUSED,    /* camera closed or refused after login: wrong password or busy */
  IPCAM_ERROR_CONNECTION_LOST,  /* the control connection dropped */
  IPCAM_ERROR_NOT_CONNECTED,    /* request made while no session is up */
  IPCAM_ERROR_PARSE,            /* a camera reply could not be decoded */
  IPCAM_ERROR_NO_CAMERA,        /* discovery found nothing */
  IPCAM_ERROR_IO,               /* local file or socket I/O failed */
  IPCAM_ERROR_UNSAFE_PATH,      /* a file name would escape its target folder */
  IPCAM_ERROR_HTTP,             /* the camera's HTTP server answered with an error */
  IPCAM_ERROR_CANCELLED,        /* the operation was cancelled */
  IPCAM_ERROR_LIMIT,            /* the camera sent more than a cap allows; the message names the cap */
} IpcamError;

G_END_DECLS
