"""The WeChat client against the fake WeChat server: tokens, retries, messages."""
