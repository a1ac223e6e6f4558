"""The synthetic force: every record in demos, tests at scale and benchmarks comes from here.

All names are invented; no real person, address or organisation is ever used (SYNTHETIC.md).
"""
