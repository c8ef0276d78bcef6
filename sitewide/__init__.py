"""What every page of both sites shares: error pages and bilingual data.

Neither the bank nor the simulator owns these, and neither imports the other;
the settings and root URLs of each site point here.
"""
