// Implementation in progress; see discovery.h.
