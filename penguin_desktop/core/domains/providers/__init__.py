"""DNS providers that publish records: RFC 2136 with TSIG and the Cloudflare API."""
