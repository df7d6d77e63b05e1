"""Signed-in console sessions: kept server-side in Redis, named by a signed cookie.

Why Redis rather than a cookie holding the key: sign-out and expiry take effect at once (the entry
is gone, whatever the browser keeps), the cookie is a random name worth nothing without the
store, and the store itself holds the API key only encrypted with a key derived from that name,
so neither a stolen cookie jar alone nor a Redis dump alone yields a staff key.
"""
