"""Jobs, sweeps and real rq workers: delivery, polls, deadlines."""
