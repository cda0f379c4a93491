"""Where jobs, cases and (for a team) the audit chain live: SQLite on one workstation, PostgreSQL for a team.

`open_database(url)` gives a `Database`; the job store, the case book and the team audit chain speak
to it with the same SQL (placeholders `?`), so both engines keep the same behaviour.
"""
