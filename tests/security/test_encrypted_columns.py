"""EncryptedString and EncryptedBytes: transparent to the code, ciphertext in the table (in-memory SQLite)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from flask import Flask

from miniapp_backend import security
from miniapp_backend.security.crypto import DecryptionError, EncryptedBytes, EncryptedString, FieldCipher, parse_keys
from miniapp_backend.security.keys import generate_dev_keys

metadata = sa.MetaData()
people = sa.Table(
    'people',
    metadata,
    sa.Column('id', sa.Integer, primary_key=True),
    sa.Column('name', EncryptedString('people.name')),
    sa.Column('phone', EncryptedString('people.phone')),
    sa.Column('photo', EncryptedBytes('people.photo')),
)
raw_people = sa.Table(
    'people',
    sa.MetaData(),
    sa.Column('id', sa.Integer, primary_key=True),
    sa.Column('name', sa.Text),
    sa.Column('phone', sa.Text),
    sa.Column('photo', sa.Text),
)


@pytest.fixture()
def app():
    app = Flask(__name__)
    app.config.update(generate_dev_keys())
    security.init_app(app)
    with app.app_context():
        yield app


@pytest.fixture()
def engine(app):
    engine = sa.create_engine('sqlite://')
    metadata.create_all(engine)
    yield engine
    engine.dispose()


def test_values_round_trip_and_are_stored_encrypted(engine):
    with engine.begin() as conn:
        conn.execute(
            people.insert(),
            [
                {'id': 1, 'name': '张三丰', 'phone': '13912345205', 'photo': b'\x89PNG\r\n\x1a\n\x00'},
                {'id': 2, 'name': None, 'phone': None, 'photo': None},
            ],
        )
    with engine.connect() as conn:
        rows = conn.execute(sa.select(people).order_by(people.c.id)).all()
        stored = conn.execute(sa.select(raw_people).order_by(raw_people.c.id)).all()
    assert tuple(rows[0]) == (1, '张三丰', '13912345205', b'\x89PNG\r\n\x1a\n\x00')
    assert tuple(rows[1]) == (2, None, None, None)
    assert tuple(stored[1]) == (2, None, None, None)
    for column in ('name', 'phone', 'photo'):
        assert getattr(stored[0], column).startswith('k1$')
    assert '13912345205' not in stored[0].phone and '张' not in stored[0].name


def test_a_ciphertext_copied_into_another_column_does_not_decrypt(engine):
    with engine.begin() as conn:
        conn.execute(people.insert(), {'id': 1, 'name': '张三丰', 'phone': '13912345205'})
        conn.execute(sa.update(raw_people).values(phone=raw_people.c.name))
    with engine.connect() as conn, pytest.raises(DecryptionError):
        conn.execute(sa.select(people.c.phone)).all()


def test_rows_written_under_an_old_key_read_after_rotation(app, engine):
    with engine.begin() as conn:
        conn.execute(people.insert(), {'id': 1, 'name': '李四'})
    old = parse_keys(app.config['FIELD_ENCRYPTION_KEYS'])
    app.extensions['field_cipher'] = FieldCipher([('k2', b'n' * 32), *old])
    with engine.connect() as conn:
        assert conn.execute(sa.select(people.c.name)).scalar_one() == '李四'
    with engine.begin() as conn:
        conn.execute(sa.update(people).values(name='李四'))
        assert conn.execute(sa.select(raw_people.c.name)).scalar_one().startswith('k2$')


@pytest.mark.parametrize('values', [{'photo': 5}, {'photo': '文本'}, {'name': b'bytes'}])
def test_columns_refuse_the_other_kind(engine, values):
    with engine.begin() as conn, pytest.raises(sa.exc.StatementError):
        conn.execute(people.insert(), {'id': 1, **values})


def test_types_are_cacheable_and_describe_themselves():
    assert EncryptedString.cache_ok and EncryptedBytes.cache_ok
    assert EncryptedString('a.b').python_type is str and EncryptedBytes('a.b').python_type is bytes
    assert isinstance(EncryptedString('a.b').impl, sa.Text)
    with pytest.raises(TypeError):
        EncryptedString('')


def test_outside_an_app_the_error_says_why():
    engine = sa.create_engine('sqlite://')
    metadata.create_all(engine)
    with engine.begin() as conn, pytest.raises(sa.exc.StatementError, match=r'application context|init_app'):
        conn.execute(people.insert(), {'id': 1, 'name': 'x'})
