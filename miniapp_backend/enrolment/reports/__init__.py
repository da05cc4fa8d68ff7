"""What reviewers read: statistics within their scope and Excel exports (masked)."""
