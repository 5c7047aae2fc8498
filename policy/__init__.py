"""The policy pack: the product's rules for its AWS resources (rules.py), run by `pulumi preview`."""
