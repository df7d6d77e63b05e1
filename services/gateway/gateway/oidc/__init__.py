"""Sign-in through the city's existing identity provider (OIDC bearer tokens), next to API keys."""
