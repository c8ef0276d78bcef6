"""Settings for the two sites: the bank (``bank``) and the portal simulator (``portal``)."""
