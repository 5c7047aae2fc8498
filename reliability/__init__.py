"""`make reliability`: faults, races, bad input and load against a local stack, measured."""
