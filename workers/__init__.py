"""rq workers: the job functions, the worker and the cron schedule (docs/DESIGN.md §6)."""
