// Implementation in progress; see assembler.h.
