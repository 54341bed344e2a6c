// Implementation in progress; see receiver.h.
