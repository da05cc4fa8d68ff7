"""The reference: a bare Flask JSON endpoint served by the same gunicorn settings."""

from flask import Flask, jsonify

app = Flask(__name__)


@app.get('/hello')
def hello():
    return jsonify(status='ok', student_id=12345, name='张三', enrolled=True)
