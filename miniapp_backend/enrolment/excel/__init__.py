"""Excel workbooks: exports (write-only, masked) here; imports in their own modules."""
