"""Notifications: webhooks (Slack-compatible JSON, HMAC-SHA256 signed) and SMTP e-mail, with a delivery log."""
