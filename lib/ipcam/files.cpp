// Implementation in progress; see files.h.
