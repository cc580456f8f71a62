"""Learning: datasets, TGBNN, the BNN and float baselines, output codes, the training loop, the SOT
writer, array mapping, the sigmoid network. Imports only `mramcim.device` and the shared top level,
so it runs without any simulator installed."""
