"""The projection engine: read events once, compute rows, write metrics.db atomically."""
