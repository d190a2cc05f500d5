"""Selection: the verifiable lottery that orders each region's eligible pool, and its audit."""
