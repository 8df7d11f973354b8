"""Outside APIs that hold our users' infrastructure: DNS providers (RFC 2136, Cloudflare, ...)."""
