// Implementation in progress; see session.h.
