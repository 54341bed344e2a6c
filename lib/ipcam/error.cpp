#include "ipcam/error.h"

G_DEFINE_QUARK(ipcam-error-quark, ipcam_error)
