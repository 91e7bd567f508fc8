"""The editor dashboard: the queue, worklists, a claim with its review actions, an article, statistics.

Pages are rendered on the server; htmx (vendored under ``claims/static``) swaps the
queue's results and rows in place. Every change goes through the same services as
the API, and every form answers with a redirect (post/redirect/get).
"""
