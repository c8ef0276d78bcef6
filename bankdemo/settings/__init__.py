"""Settings of the two sites: the bank (``bank``) and the simulator (``portal``)."""
