"""DNS for sending domains: the records a domain needs, posture checks, blacklists, zone export.

Everything here is plain data and asyncio on top of dnspython; no database, no Qt.
"""
