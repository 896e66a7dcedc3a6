/* libfccl.so is built from the API layer's archive; this file only gives the target a source. */
