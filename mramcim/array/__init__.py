"""Arrays: MAC reads through the read network, the transfer characteristic, MAC transients, the
passive crossbar and its writes."""
