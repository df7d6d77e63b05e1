"""`GET /api/v1/me`: who the gateway takes the caller to be (clients such as the console need the role)."""
