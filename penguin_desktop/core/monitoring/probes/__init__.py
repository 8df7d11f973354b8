"""Network probes: connect to a mail or admin service as a client would and report what was seen."""
