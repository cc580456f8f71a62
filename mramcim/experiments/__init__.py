"""Studies and benchmarks that combine the stages below."""
