"""Excel imports: reading and checking workbooks, the importers by kind, and the job that runs them."""
