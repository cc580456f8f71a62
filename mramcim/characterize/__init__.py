"""Monte-Carlo device characterization (MTJ, neuron) on top of `mramcim.circuit`."""
