"""Built-in simulators of the five vendor servers, serving real media on loopback."""
