"""The admin page in headless Chromium, driven by Playwright."""
