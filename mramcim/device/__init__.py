"""Pure device physics (numpy/scipy): the read path, switching statistics, variation, the two-state
model, the neuron's closed forms."""
