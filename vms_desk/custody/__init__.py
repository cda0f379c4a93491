"""Chain of custody: working copies linked to their masters, the custody report and the case bundle.

Qt-free. The report and the bundle are written against `CaseFile` (case.py): a case header, its
evidence folders and its audit entries, so any source of cases (today the job store's `case` field)
can feed them.
"""
