"""The tax-bureau and origin-zone gateway clients against their fakes."""
