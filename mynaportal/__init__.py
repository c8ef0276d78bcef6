"""Everything about Mynaportal: the shared catalog, the bank's client, the simulator."""
