from __future__ import annotations

import pytest


class Outcome:
    """Every answer a hostile run got; an exception escaping the app counts as a 500."""

    def __init__(self):
        self.server_errors: list[tuple] = []
        self.persisted: list[tuple] = []
        self.count = 0

    def check(self):
        assert self.count > 0
        assert not self.server_errors, f'{len(self.server_errors)} server errors, e.g. {self.server_errors[:8]}'
        assert not self.persisted, f'refused requests changed rows: {self.persisted[:8]}'


def send(client, db, outcome: Outcome, label, method: str, path: str, counts_fn, **kwargs):
    """One request; 5xx and escaping exceptions recorded, and a refused request must leave every table as it was."""
    before = counts_fn(db)
    outcome.count += 1
    try:
        response = client.open(path, method=method.upper(), **kwargs)
        status = response.status_code
    except Exception as exc:  # noqa: BLE001  (the app let it escape: a 500 in production)
        db.session.rollback()
        outcome.server_errors.append((label, method, path, f'{type(exc).__name__}: {str(exc)[:120]}'))
        return None
    if status >= 500:
        outcome.server_errors.append((label, method, path, status))
    elif status >= 400 and status != 429:
        after = counts_fn(db)
        if after != before:
            changed = {name: (before.get(name), count) for name, count in after.items() if before.get(name) != count}
            outcome.persisted.append((label, method, path, status, changed))
    return response


@pytest.fixture
def outcome():
    return Outcome()
